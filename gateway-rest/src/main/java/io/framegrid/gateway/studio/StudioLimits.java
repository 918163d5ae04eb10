package io.framegrid.gateway.studio;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * The spec's per-tier requests per minute (free 10, pro 60, enterprise 300; {@code gateway.studio.requests-per-minute.*}):
 * each request is counted by the coordinator against the token's user, whose tier it reads there, in the grid's
 * quota windows, so every gateway of the cluster shares one budget per user (as the reframer's
 * {@link io.framegrid.gateway.http.ClusterLimits}). Every answer carries {@code X-RateLimit-Limit/Remaining/Reset};
 * past the budget 429 with {@code Retry-After}. Without a valid token 401, counted nowhere.
 */
final class StudioLimits {
    private final FramegridClient client;
    private final Clock clock;

    StudioLimits(FramegridClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    ThrottlingStrategy<HttpRequest> perTier() {
        return ThrottlingStrategy.of((ctx, req) -> {
            CompletableFuture<io.framegrid.proto.studio.v1.RequestDecision> decision;
            try {
                decision = client.withBearerToken(Credentials.bearer(req.headers())).product(StudioClient.class)
                        .consumeRequestAsync();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return decision.thenApply(d -> {
                ctx.mutateAdditionalResponseHeaders(h -> h
                        .set("X-RateLimit-Limit", String.valueOf(d.getLimit()))
                        .set("X-RateLimit-Remaining", String.valueOf(d.getRemaining()))
                        .set("X-RateLimit-Reset", String.valueOf(d.getResetEpochSeconds())));
                if (d.getAllowed()) {
                    return true;
                }
                Endpoints.retryAfter(ctx, d.getResetEpochSeconds(), clock);
                Endpoints.rejectWith(ctx, new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                        "Rate limit exceeded: " + d.getLimit() + " requests per minute for tier " + d.getTier()));
                return false;
            });
        }, "studio.requests");
    }
}
