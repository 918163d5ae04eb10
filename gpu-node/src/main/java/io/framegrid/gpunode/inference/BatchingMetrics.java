package io.framegrid.gpunode.inference;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Queue time, batch size, inference time and request outcomes of the dynamic batchers, labelled by model. */
public final class BatchingMetrics {

    final Histogram queueSeconds;
    final Histogram batchSize;
    final Histogram inferenceSeconds;
    final Counter requests;

    public BatchingMetrics(PrometheusRegistry registry) {
        this.queueSeconds = Histogram.builder()
                .name("framegrid_inference_queue_seconds")
                .help("Time a detection request waited in its model's queue before its batch was dispatched")
                .labelNames("model")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
                .classicOnly()
                .register(registry);
        this.batchSize = Histogram.builder()
                .name("framegrid_inference_batch_size")
                .help("Number of requests grouped into one dispatch by the dynamic batcher")
                .labelNames("model")
                .classicUpperBounds(1, 2, 4, 8, 16, 32, 64)
                .classicOnly()
                .register(registry);
        this.inferenceSeconds = Histogram.builder()
                .name("framegrid_inference_batch_seconds")
                .help("Time to run one dispatched batch: preprocessing, model and postprocessing")
                .labelNames("model")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .classicOnly()
                .register(registry);
        this.requests = Counter.builder()
                .name("framegrid_inference_requests_total")
                .help("Detection requests by model and outcome (ok, error, rejected)")
                .labelNames("model", "outcome")
                .register(registry);
    }
}
