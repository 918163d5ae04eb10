package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Throttles by client address over a {@link RateLimiter}: every answer carries {@code X-RateLimit-Limit},
 * {@code -Remaining} and {@code -Reset}; past the limit, 429 with {@code Retry-After} (see {@link Endpoints#throttled}).
 */
public final class ClientAddressLimit extends ThrottlingStrategy<HttpRequest> {
    private final RateLimiter limiter;
    private final Clock clock;

    public ClientAddressLimit(RateLimiter limiter, Clock clock) {
        super("client-address");
        this.limiter = limiter;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Boolean> accept(ServiceRequestContext ctx, HttpRequest request) {
        RateLimiter.Decision decision = limiter.acquire(ctx.clientAddress().getHostAddress());
        ctx.mutateAdditionalResponseHeaders(h -> h
                .set("X-RateLimit-Limit", String.valueOf(decision.limit()))
                .set("X-RateLimit-Remaining", String.valueOf(decision.remaining()))
                .set("X-RateLimit-Reset", String.valueOf(decision.resetEpochSeconds())));
        if (!decision.allowed()) {
            long retryAfter = Endpoints.retryAfter(ctx, decision.resetEpochSeconds(), clock);
            Endpoints.rejectWith(ctx, new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                    "Too many requests; retry after " + retryAfter + " s"));
        }
        return CompletableFuture.completedFuture(decision.allowed());
    }
}
