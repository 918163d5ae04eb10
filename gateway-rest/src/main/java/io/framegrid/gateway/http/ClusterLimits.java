package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-API-key limits whose accounting lives in the grid (the coordinator's {@code ConsumeQuota} and permit leases),
 * so every gateway of the cluster shares one budget per key instead of each granting its own. A key the
 * coordinator does not know fails here with 401, before anything is counted.
 *
 * <p>Concurrent-work permits are leases of {@link #leaseTtl}, renewed while the work runs and released when it ends:
 * a gateway that dies mid-upload stops renewing, and its permits lapse after one TTL instead of leaking forever.
 */
public final class ClusterLimits {
    private static final Logger log = LoggerFactory.getLogger(ClusterLimits.class);

    private final FramegridClient client;
    private final String bucket;
    private final long requestsPerWindow;
    private final Duration window;
    private final int concurrent;
    private final Duration leaseTtl;
    private final Clock clock;

    /** {@code bucket} names this surface's counters, e.g. {@code reframer}. */
    public ClusterLimits(FramegridClient client, String bucket, long requestsPerWindow, Duration window,
                         int concurrent, Duration leaseTtl, Clock clock) {
        this.clock = clock;
        this.client = client;
        this.bucket = bucket;
        this.requestsPerWindow = requestsPerWindow;
        this.window = window;
        this.concurrent = concurrent;
        this.leaseTtl = leaseTtl;
    }

    /** Counts one request of {@code key}; completes with the key, or fails with 429 (and sets X-RateLimit-*). */
    public CompletableFuture<String> consume(ServiceRequestContext ctx, String key) {
        return count(ctx, key).thenApply(refusal -> {
            if (refusal != null) {
                throw refusal;
            }
            return key;
        });
    }

    /**
     * The same hourly budget as a {@link ThrottlingStrategy} for {@link Endpoints#throttled}: each request counts
     * against the key {@code keyOf} reads from it ({@code X-RateLimit-*} on every answer, 429 with
     * {@code Retry-After} past the budget); a request without a key, or with one the coordinator does not know,
     * fails with that 401 before anything is counted.
     */
    public ThrottlingStrategy<HttpRequest> requestStrategy(Function<? super RequestHeaders, String> keyOf) {
        return strategy(headers -> client.withApiKey(keyOf.apply(headers)));
    }

    /**
     * As {@link #requestStrategy} for surfaces whose callers send a bearer token: the budget is the token's user's
     * (the coordinator counts per authenticated caller, so every token of one user shares it); 401 without a token
     * or with one the coordinator refuses.
     */
    public ThrottlingStrategy<HttpRequest> bearerRequestStrategy() {
        return strategy(headers -> client.withBearerToken(Credentials.bearer(headers)));
    }

    private ThrottlingStrategy<HttpRequest> strategy(Function<? super RequestHeaders, FramegridClient> callerOf) {
        return ThrottlingStrategy.of((ctx, req) -> {
            FramegridClient caller;
            try {
                caller = callerOf.apply(req.headers());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return count(ctx, caller).thenApply(refusal -> {
                if (refusal != null) {
                    Endpoints.rejectWith(ctx, refusal);
                }
                return refusal == null;
            });
        }, bucket + ".requests");
    }

    /** Counts one request; completes with the 429 to answer, or null when it may proceed. */
    private CompletableFuture<ApiException> count(ServiceRequestContext ctx, String key) {
        return count(ctx, client.withApiKey(key));
    }

    private CompletableFuture<ApiException> count(ServiceRequestContext ctx, FramegridClient caller) {
        return caller.identityAsync().consumeQuota(bucket + ".requests", window, requestsPerWindow)
                .thenApply(d -> {
                    ctx.mutateAdditionalResponseHeaders(h -> h
                            .set("X-RateLimit-Limit", String.valueOf(d.getLimit()))
                            .set("X-RateLimit-Remaining", String.valueOf(d.getRemaining()))
                            .set("X-RateLimit-Reset", String.valueOf(d.getResetEpochSeconds())));
                    if (d.getAllowed()) {
                        return null;
                    }
                    Endpoints.retryAfter(ctx, d.getResetEpochSeconds(), clock);
                    return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                            "Rate limit exceeded: " + d.getLimit() + " requests per "
                                    + (window.equals(Duration.ofHours(1)) ? "hour"
                                    : window.equals(Duration.ofMinutes(1)) ? "minute" : window.toSeconds() + " s"));
                });
    }

    /** Takes one of {@code key}'s concurrent permits, renewed on {@code ctx}'s event loop until released; else 429. */
    public CompletableFuture<Permit> acquire(ServiceRequestContext ctx, String key, String what) {
        String permits = bucket + ".concurrent";
        return client.withApiKey(key).identityAsync().acquirePermit(permits, concurrent, leaseTtl).thenApply(lease -> {
            if (!lease.getGranted()) {
                throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "TOO_MANY_UPLOADS",
                        "Too many concurrent " + what + ": at most " + concurrent + " per API key");
            }
            return new Permit(key, permits, lease.getLeaseId(), ctx);
        });
    }

    /** A held permit; {@link #release()} once the work ends, whichever way. */
    public final class Permit {
        private final String key;
        private final String permits;
        private final String leaseId;
        private final ScheduledFuture<?> renewal;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String key, String permits, String leaseId, ServiceRequestContext ctx) {
            this.key = key;
            this.permits = permits;
            this.leaseId = leaseId;
            long every = Math.max(200, leaseTtl.toMillis() / 3);
            this.renewal = ctx.eventLoop().scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
        }

        private void renew() {
            client.withApiKey(key).identityAsync().renewPermit(permits, leaseId, leaseTtl).whenComplete((lease, t) -> {
                if (t != null || !lease.getGranted()) {
                    // The work goes on; the cap is briefly looser for this key, never stuck.
                    log.warn("Permit {} of {} could not be renewed: {}", leaseId, permits,
                            t != null ? t.toString() : "lease lapsed");
                }
            });
        }

        public void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            renewal.cancel(false);
            client.withApiKey(key).identityAsync().releasePermit(permits, leaseId).whenComplete((r, t) -> {
                if (t != null) {
                    log.warn("Permit {} of {} not released (it lapses on its own): {}", leaseId, permits, t.toString());
                }
            });
        }
    }
}
