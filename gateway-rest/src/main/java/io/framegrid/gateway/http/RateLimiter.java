package io.framegrid.gateway.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fixed-window request counting per key (client address, API key, user). Windows live in a bounded
 * Caffeine cache so a flood of distinct keys cannot grow memory without limit.
 */
public final class RateLimiter {
    private final long limit;
    private final Duration window;
    private final Clock clock;
    private final Cache<String, Window> windows;

    public RateLimiter(long limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
        this.windows = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(window.multipliedBy(2)).build();
    }

    /** Counts one request for {@code key} and says whether it may proceed. */
    public Decision acquire(String key) {
        long now = clock.millis();
        long windowMillis = window.toMillis();
        // A key's window opens with its first request, so a burst cannot straddle two aligned windows.
        Window w = windows.asMap().compute(key, (k, existing) ->
                existing == null || now >= existing.start + windowMillis ? new Window(now) : existing);
        long windowStart = w.start;
        long used = w.count.incrementAndGet();
        long resetEpochSeconds = (windowStart + windowMillis + 999) / 1000;
        return new Decision(used <= limit, limit, Math.max(0, limit - used), resetEpochSeconds);
    }

    private static final class Window {
        final long start;
        final AtomicLong count = new AtomicLong();

        Window(long start) {
            this.start = start;
        }
    }

    /** The outcome and the numbers for {@code X-RateLimit-*} headers. */
    public record Decision(boolean allowed, long limit, long remaining, long resetEpochSeconds) {}
}
