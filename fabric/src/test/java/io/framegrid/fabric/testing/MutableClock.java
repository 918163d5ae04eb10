package io.framegrid.fabric.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock tests move forward to expire leases, deadlines and tokens without waiting. */
public final class MutableClock extends Clock {
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
    /** Where a stopped clock stands before its offset; null for one that follows real time. */
    private final Instant stoppedAt;

    /** A clock at real time plus whatever it was advanced by. */
    public MutableClock() {
        this(null);
    }

    private MutableClock(Instant stoppedAt) {
        this.stoppedAt = stoppedAt;
    }

    /** A clock standing at now that moves only when advanced: for checks of "within" a duration. */
    public static MutableClock stopped() {
        return new MutableClock(Instant.now());
    }

    public void advance(Duration by) {
        offset.accumulateAndGet(by, Duration::plus);
    }

    public void reset() {
        offset.set(Duration.ZERO);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return (stoppedAt == null ? Instant.now() : stoppedAt).plus(offset.get());
    }
}
