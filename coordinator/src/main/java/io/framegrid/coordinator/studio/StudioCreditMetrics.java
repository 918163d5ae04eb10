package io.framegrid.coordinator.studio;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Product B's credit flow on one coordinator, counted after the transaction that moved the credits committed (a
 * retried transaction counts once): {@code reserved} at submit, {@code spent} when a job completed, {@code refunded}
 * when a cancelled or failed job's charge went back, {@code purchased} by a new (not replayed) purchase, and
 * {@code refused}: the cost of submits the balance could not cover (each answered 403).
 */
final class StudioCreditMetrics {
    static final String RESERVED = "reserved";
    static final String SPENT = "spent";
    static final String REFUNDED = "refunded";
    static final String PURCHASED = "purchased";
    static final String REFUSED = "refused";

    private final Map<String, LongAdder> credits = Map.of(RESERVED, new LongAdder(), SPENT, new LongAdder(),
            REFUNDED, new LongAdder(), PURCHASED, new LongAdder(), REFUSED, new LongAdder());

    /** Exports {@code framegrid_studio_credits_total{event}} on {@code registry}, every event from 0. */
    StudioCreditMetrics register(PrometheusRegistry registry) {
        CounterWithCallback.builder()
                .name("framegrid_studio_credits")
                .help("Studio (B) credits moved by this coordinator, by event: reserved, spent, refunded, purchased, "
                        + "refused")
                .labelNames("event")
                .callback(cb -> credits.forEach((event, n) -> cb.call(n.sum(), event)))
                .register(registry);
        return this;
    }

    void add(String event, long amount) {
        if (amount > 0) {
            credits.get(event).add(amount);
        }
    }

    long count(String event) {
        return credits.get(event).sum();
    }
}
