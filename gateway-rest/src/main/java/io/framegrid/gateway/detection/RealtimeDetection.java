package io.framegrid.gateway.detection;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.sdk.FramegridClient;
import java.time.Duration;
import java.util.Map;

/**
 * {@code GET /ws/detection}: real-time detection over a WebSocket ({@link RealtimeSession} per socket). The JWT comes
 * as {@code ?token=}, an {@code Authorization: Bearer} header, or as a {@code Sec-WebSocket-Protocol} entry next to
 * {@code bearer} (browsers cannot set headers: {@code new WebSocket(url, ["bearer", token])}; the server answers
 * with the {@code bearer} subprotocol). It is checked with the coordinator before the upgrade: a missing or bad
 * token is refused with 401 in E's error format, so no socket opens.
 */
final class RealtimeDetection {
    static final String BEARER_PROTOCOL = "bearer";
    static final Duration IDLE = Duration.ofMinutes(5);

    private final FramegridClient client;
    private final DetectionLimits limits;
    private final RealtimeMetrics metrics;

    RealtimeDetection(FramegridClient client, DetectionLimits limits, RealtimeMetrics metrics) {
        this.client = client;
        this.limits = limits;
        this.metrics = metrics;
    }

    /** The WebSocket service behind its token check. */
    HttpService service(Endpoints endpoints) {
        WebSocketServiceHandler handler = (ctx, in) -> {
            WebSocketWriter out = WebSocket.streaming();
            in.subscribe(new RealtimeSession(client.withBearerToken(token(ctx, ctx.request().headers())), out,
                    ctx.eventLoop(), ctx.blockingTaskExecutor(), limits.wsQueueSize(), limits.wsMaxFps(),
                    limits.maxPixels(), metrics), ctx.eventLoop());
            return out;
        };
        WebSocketService ws = WebSocketService.builder(handler).subprotocols(BEARER_PROTOCOL).aggregateContinuation(true)
                .maxFramePayloadLength(limits.wsMaxMessageMb() << 20)
                // Any origin, none included: the token authenticates, not a cookie, so another site gains nothing.
                .allowedOrigins("*")
                // A socket silent this long is closed; one that sends frames lives as long as its client wants.
                .streamTimeout(IDLE).build();
        return ws.decorate((delegate, ctx, req) -> {
            String token = token(ctx, req.headers());
            if (token == null) {
                return unauthorized(endpoints, ctx, "AUTH_REQUIRED", "A bearer token is required");
            }
            FramegridClient caller = client.withBearerToken(token);
            return HttpResponse.of(caller.identityAsync().currentUser().handleAsync((user, t) -> {
                if (t != null) {
                    return unauthorized(endpoints, ctx, "INVALID_TOKEN", "The token is invalid or expired");
                }
                ctx.clearRequestTimeout();
                try {
                    return delegate.serve(ctx, req);
                } catch (Exception e) {
                    return HttpResponse.ofFailure(e);
                }
            }, ctx.eventLoop()));
        });
    }

    private static HttpResponse unauthorized(Endpoints endpoints, ServiceRequestContext ctx, String code,
            String message) {
        return endpoints.render(ctx, HttpStatus.UNAUTHORIZED, code, message, Map.of());
    }

    /** The token from the query, the Authorization header or the subprotocol list, in that order. */
    static String token(ServiceRequestContext ctx, RequestHeaders headers) {
        String query = ctx.queryParam("token");
        if (query != null && !query.isBlank()) {
            return query.trim();
        }
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) {
            return auth.substring(7).trim();
        }
        String protocols = headers.get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                String candidate = p.trim();
                if (!candidate.isEmpty() && !candidate.equalsIgnoreCase(BEARER_PROTOCOL)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
