package io.framegrid.gateway.http;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import io.netty.util.AttributeKey;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns handlers into Armeria services that render every failure in the surface's error format:
 * {@link ApiException}s as they are, gRPC failures through {@link Surface#httpStatus}, anything else
 * as a logged 500 that reveals nothing.
 */
public final class Endpoints {
    private static final Logger log = LoggerFactory.getLogger(Endpoints.class);
    static final AttributeKey<String> REQUEST_ID = AttributeKey.valueOf(Endpoints.class, "REQUEST_ID");

    private final Surface surface;

    public Endpoints(Surface surface) {
        this.surface = surface;
    }

    public Surface surface() {
        return surface;
    }

    /** An asynchronous handler of one aggregated request. */
    @FunctionalInterface
    public interface Handler {
        CompletableFuture<HttpResponse> handle(Request request);
    }

    public HttpService of(Handler handler) {
        return (ctx, req) -> HttpResponse.of(req.aggregate().thenCompose(aggregated -> {
            CompletableFuture<HttpResponse> result;
            try {
                result = handler.handle(new Request(ctx, aggregated, surface));
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            return result.exceptionally(t -> error(ctx, t));
        }));
    }

    /** Counts the request against {@code limiter} by client address before handling it; 429 past the limit. */
    public HttpService limited(RateLimiter limiter, Handler handler) {
        return of(request -> {
            RateLimiter.Decision decision = limiter.acquire(request.ctx().clientAddress().getHostAddress());
            request.ctx().mutateAdditionalResponseHeaders(h -> h
                    .set("X-RateLimit-Limit", String.valueOf(decision.limit()))
                    .set("X-RateLimit-Remaining", String.valueOf(decision.remaining()))
                    .set("X-RateLimit-Reset", String.valueOf(decision.resetEpochSeconds())));
            if (!decision.allowed()) {
                long retryAfter = Math.max(1, decision.resetEpochSeconds() - System.currentTimeMillis() / 1000);
                request.ctx().mutateAdditionalResponseHeaders(h -> h.set("Retry-After", String.valueOf(retryAfter)));
                throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                        "Too many requests; retry after " + retryAfter + " s");
            }
            return handler.handle(request);
        });
    }

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
        log.error("Unhandled failure on {} {}", ctx.method(), ctx.path(), cause);
        return render(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Internal server error", Map.of());
    }

    public HttpResponse render(ServiceRequestContext ctx, HttpStatus status, String code, String message,
                               Map<String, Object> details) {
        ResponseHeaders headers = ResponseHeaders.builder(status)
                .contentType(MediaType.JSON_UTF_8)
                .build();
        return Json.response(headers.toBuilder(),
                surface.errors().body(status, code, message, details, requestId(ctx)));
    }

    static String requestId(ServiceRequestContext ctx) {
        if (ctx == null) {
            return "req-" + UUID.randomUUID();
        }
        String id = ctx.attr(REQUEST_ID);
        if (id == null) {
            id = "req-" + UUID.randomUUID();
            ctx.setAttr(REQUEST_ID, id);
        }
        return id;
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
                try {
                    return AggregatedHttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8)
                            .build(), com.linecorp.armeria.common.HttpData.wrap(Json.MAPPER.writeValueAsBytes(body)));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private static String statusCode(HttpStatus status) {
        switch (status.code()) {
            case 404: return "NOT_FOUND";
            case 405: return "METHOD_NOT_ALLOWED";
            case 413: return "PAYLOAD_TOO_LARGE";
            default: return status.reasonPhrase().toUpperCase(java.util.Locale.ROOT).replace(' ', '_');
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

    /** Adds {@code X-Request-Id} to every response so users can quote it. */
    public java.util.function.Function<? super HttpService, ? extends HttpService> requestIdDecorator() {
        return delegate -> (ctx, req) -> {
            String id = requestId(ctx);
            ctx.mutateAdditionalResponseHeaders(h -> h.set("X-Request-Id", id));
            return delegate.serve(ctx, req);
        };
    }
}
