package io.framegrid.coordinator.annotation;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Product A's lock counts on one coordinator: leases its reaper expired and lock requests it refused (by reason:
 * {@code VIDEO_LOCKED}, {@code STALE_LOCK}, {@code NOT_LOCKED}, {@code VIDEO_ANNOTATED}, {@code NOT_HOLDER}); the
 * number of live leases is read from the grid at scrape time, so it is the pool's, whichever coordinator answers.
 */
public final class AnnotationLockMetrics {
    private final LongAdder expired = new LongAdder();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

    /**
     * Exports {@code framegrid_annotation_locks_held}, {@code framegrid_annotation_locks_expired_total} and
     * {@code framegrid_annotation_locks_refused_total{reason}} on {@code registry}.
     */
    public AnnotationLockMetrics register(PrometheusRegistry registry, LongSupplier held) {
        GaugeWithCallback.builder()
                .name("framegrid_annotation_locks_held")
                .help("Annotation leases (A) live in the grid's pool now")
                .callback(cb -> cb.call(held.getAsLong()))
                .register(registry);
        CounterWithCallback.builder()
                .name("framegrid_annotation_locks_expired")
                .help("Annotation leases (A) this coordinator's reaper cleared after their expiry")
                .callback(cb -> cb.call(expired.sum()))
                .register(registry);
        CounterWithCallback.builder()
                .name("framegrid_annotation_locks_refused")
                .help("Annotation lock requests (A) this coordinator refused, by reason")
                .labelNames("reason")
                .callback(cb -> refused.forEach((reason, n) -> cb.call(n.sum(), reason)))
                .register(registry);
        return this;
    }

    public long expiredCount() {
        return expired.sum();
    }

    public long refusedCount(String reason) {
        LongAdder n = refused.get(reason);
        return n == null ? 0 : n.sum();
    }

    void expired() {
        expired.increment();
    }

    void refused(String reason) {
        refused.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }
}
