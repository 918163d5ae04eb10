package io.framegrid.gateway.http;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestId;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.AnnotatedServiceBindingBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.ExceptionHandlerFunction;
import com.linecorp.armeria.server.annotation.RequestConverterFunction;
import com.linecorp.armeria.server.annotation.ResponseConverterFunction;
import com.linecorp.armeria.server.throttling.ThrottlingService;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import io.netty.util.AttributeKey;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One surface's HTTP conventions for Armeria: its {@linkplain #exceptionHandler() exception handler} renders every
 * failure in the surface's error format — {@link ApiException}s as they are, gRPC failures through
 * {@link Surface#httpStatus}, Armeria's own 404/405/413 and bad input as 4xx, a client that hung up as nothing, and
 * anything else as a logged 500 that reveals nothing. Annotated route objects are bound through
 * {@link #annotated}, which adds that handler and the JSON record bodies ({@link JsonBodies}).
 */
public final class Endpoints {
    private static final Logger log = LoggerFactory.getLogger(Endpoints.class);
    private static final AttributeKey<ApiException> REJECTION = AttributeKey.valueOf(Endpoints.class, "REJECTION");

    private final Surface surface;
    private final JsonBodies jsonBodies;

    public Endpoints(Surface surface) {
        this.surface = surface;
        this.jsonBodies = new JsonBodies(surface);
    }

    public Surface surface() {
        return surface;
    }

    /** Renders whatever an annotated route throws or fails with, in this surface's error format. */
    public ExceptionHandlerFunction exceptionHandler() {
        return (ctx, req, cause) -> error(ctx, cause);
    }

    /** Reads JSON request bodies into records, refusing bad input with this surface's 4xx. */
    public RequestConverterFunction requestConverter() {
        return jsonBodies;
    }

    /** Writes a returned record as JSON with the route's status ({@code @StatusCode}). */
    public ResponseConverterFunction responseConverter() {
        return (ctx, headers, result, trailers) -> result instanceof Record
                ? HttpResponse.ofJson(headers, result) : ResponseConverterFunction.fallthrough();
    }

    /**
     * Starts binding an annotated route object on {@code sb} with this surface's converters and exception handler;
     * the caller adds per-object settings (decorators, request caps) and calls {@code build(routes)}.
     */
    public AnnotatedServiceBindingBuilder annotated(ServerBuilder sb) {
        return sb.annotatedService()
                .requestConverters(jsonBodies)
                .responseConverters(responseConverter())
                .exceptionHandlers(exceptionHandler());
    }

    /**
     * A {@link ThrottlingService} over {@code strategy}: a rejected request is answered with the {@link ApiException}
     * the strategy gave through {@link #rejectWith} (429 by default), a strategy that failed with its failure.
     */
    public Function<? super HttpService, ThrottlingService> throttled(ThrottlingStrategy<com.linecorp.armeria.common.HttpRequest> strategy) {
        return ThrottlingService.builder(strategy)
                .onRejectedRequest((delegate, ctx, req, cause) -> {
                    if (cause != null) {
                        return error(ctx, cause);
                    }
                    ApiException why = ctx.attr(REJECTION);
                    return error(ctx, why != null ? why
                            : new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED", "Too many requests"));
                })
                .newDecorator();
    }

    /** Records why a {@link ThrottlingStrategy} refuses the request in {@code ctx}, for {@link #throttled}. */
    public static void rejectWith(ServiceRequestContext ctx, ApiException why) {
        ctx.setAttr(REJECTION, why);
    }

    /** Sets {@code Retry-After} for a window that resets at {@code resetEpochSeconds}; returns its seconds. */
    public static long retryAfter(ServiceRequestContext ctx, long resetEpochSeconds, Clock clock) {
        long retryAfter = Math.max(1, resetEpochSeconds - clock.millis() / 1000);
        ctx.mutateAdditionalResponseHeaders(h -> h.set("Retry-After", String.valueOf(retryAfter)));
        return retryAfter;
    }

    /** Request ids users can quote: {@code req-<uuid>}, as {@code ctx.id()}, in B's error bodies and X-Request-Id. */
    public static Supplier<RequestId> requestIds() {
        return () -> new TextRequestId("req-" + UUID.randomUUID());
    }

    private record TextRequestId(String text) implements RequestId {
        @Override
        public String shortText() {
            return text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    // ---- rendering ---------------------------------------------------------------------------------------

    public HttpResponse error(ServiceRequestContext ctx, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (ClientGone.test(ctx, cause)) {
            // Nobody is left to read an answer; a hang-up is the client's choice, not a server failure.
            log.debug("Client went away during {} {}: {}", ctx.method(), ctx.path(), cause.toString());
            return HttpResponse.ofFailure(cause);
        }
        if (cause instanceof com.linecorp.armeria.common.ContentTooLargeException) {
            return render(ctx, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "PAYLOAD_TOO_LARGE", "Request body too large", Map.of());
        }
        if (cause instanceof com.linecorp.armeria.server.HttpStatusException hse && hse.httpStatus().isClientError()) {
            HttpStatus status = hse.httpStatus();
            return render(ctx, status, statusCode(status), statusMessage(status), Map.of());
        }
        if (cause instanceof com.linecorp.armeria.server.HttpResponseException hre) {
            return hre.httpResponse();
        }
        if (cause instanceof ApiException api) {
            return render(ctx, api.status(), api.code(), api.getMessage(), api.details());
        }
        if (cause instanceof FramegridException fe) {
            HttpStatus status = surface.httpStatus(fe.code());
            if (status == HttpStatus.INTERNAL_SERVER_ERROR) {
                log.error("Coordinator call failed on {} {}", ctx.method(), ctx.path(), fe);
                return render(ctx, status, "INTERNAL_ERROR", "Internal server error", Map.of());
            }
            if (fe.code() == Status.Code.UNAVAILABLE || fe.code() == Status.Code.DEADLINE_EXCEEDED) {
                return render(ctx, status, "SERVICE_UNAVAILABLE", "Cluster temporarily unavailable", Map.of());
            }
            return render(ctx, status, fe.reason(), fe.getMessage(), Map.of());
        }
        if (cause instanceof RequestTimeoutException) {
            return render(ctx, HttpStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", "Request timed out", Map.of());
        }
        if (cause instanceof IllegalArgumentException) {
            // Armeria's own parameter conversion (a path or query value of the wrong type): the client's mistake.
            return render(ctx, surface.validationStatus(), "INVALID_REQUEST", "Invalid request parameters", Map.of());
        }
        log.error("Unhandled failure on {} {}", ctx.method(), ctx.path(), cause);
        return render(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Internal server error", Map.of());
    }

    public HttpResponse render(ServiceRequestContext ctx, HttpStatus status, String code, String message,
                               Map<String, Object> details) {
        return HttpResponse.ofJson(status, surface.errors().body(status, code, message, details, requestId(ctx)));
    }

    static String requestId(ServiceRequestContext ctx) {
        return ctx == null ? "req-" + UUID.randomUUID() : ctx.id().text();
    }

    /** Renders Armeria's own failures (unknown route, wrong method, body too large) in the surface format. */
    public ServerErrorHandler serverErrorHandler() {
        return new ServerErrorHandler() {
            @Override
            public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
                return error(ctx, cause);
            }

            @Override
            public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config,
                                                       RequestHeaders headers, HttpStatus status, String description,
                                                       Throwable cause) {
                Object body = surface.errors().body(status, statusCode(status), statusMessage(status), Map.of(),
                        requestId(ctx));
                return AggregatedHttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8)
                        .build(), HttpData.wrap(Json.bytes(body)));
            }
        };
    }

    private static String statusCode(HttpStatus status) {
        switch (status.code()) {
            case 404: return "NOT_FOUND";
            case 405: return "METHOD_NOT_ALLOWED";
            case 413: return "PAYLOAD_TOO_LARGE";
            default: return status.reasonPhrase().toUpperCase(Locale.ROOT).replace(' ', '_');
        }
    }

    private static String statusMessage(HttpStatus status) {
        switch (status.code()) {
            case 404: return "Not found";
            case 405: return "Method not allowed";
            case 413: return "Request body too large";
            default: return status.reasonPhrase();
        }
    }

    /** Adds {@code X-Request-Id} (the request's {@code ctx.id()}) to every response so users can quote it. */
    public Function<? super HttpService, ? extends HttpService> requestIdDecorator() {
        return delegate -> (ctx, req) -> {
            ctx.mutateAdditionalResponseHeaders(h -> h.set("X-Request-Id", requestId(ctx)));
            return delegate.serve(ctx, req);
        };
    }
}
