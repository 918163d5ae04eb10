package io.framegrid.gateway.detection;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Product E's real-time detection on one gateway: frames by outcome ({@code answered}, {@code dropped} by a full
 * socket queue, {@code error} for a frame that could not be read or detected), the latency of answered frames from
 * arrival to answer (queue wait included, as {@code latency_ms} reports it), and open sockets. Every outcome series
 * exists from the start at 0, so an operator's rate over them has data before the first frame.
 */
final class RealtimeMetrics {
    static final String ANSWERED = "answered";
    static final String DROPPED = "dropped";
    static final String ERROR = "error";

    private final Counter frames;
    private final Histogram latency;
    private final Gauge sockets;

    RealtimeMetrics(PrometheusRegistry registry) {
        frames = Counter.builder()
                .name("framegrid_detection_realtime_frames")
                .help("Frames received on /ws/detection (E), by outcome: answered, dropped (socket queue full), error")
                .labelNames("outcome")
                .register(registry);
        for (String outcome : new String[] {ANSWERED, DROPPED, ERROR}) {
            frames.labelValues(outcome);
        }
        latency = Histogram.builder()
                .name("framegrid_detection_realtime_latency_seconds")
                .help("Arrival-to-answer latency of answered /ws/detection frames (E), queue wait included")
                .unit(Unit.SECONDS)
                .classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        sockets = Gauge.builder()
                .name("framegrid_detection_realtime_sockets")
                .help("Open /ws/detection sockets (E) on this gateway")
                .register(registry);
    }

    void opened() {
        sockets.inc();
    }

    void closed() {
        sockets.dec();
    }

    void answered(long nanos) {
        frames.labelValues(ANSWERED).inc();
        latency.observe(nanos / 1e9);
    }

    void dropped() {
        frames.labelValues(DROPPED).inc();
    }

    void error() {
        frames.labelValues(ERROR).inc();
    }
}
