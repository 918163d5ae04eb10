package io.framegrid.gpunode.inference;

import java.time.Duration;

/**
 * Dynamic batching per node and model, in the spirit of Triton's {@code dynamic_batching}: the requests that queued
 * while the previous batch ran form the next one (at most {@code maxBatchSize}); a lone request on an idle model is
 * dispatched at once, and {@code maxQueueDelay} bounds how long a burst arriving on an idle model waits for its
 * stragglers.
 *
 * @param maxQueueSize requests allowed to wait per model before new ones are refused (back-pressure)
 */
public record BatchSettings(int maxBatchSize, Duration maxQueueDelay, int maxQueueSize) {

    public BatchSettings {
        if (maxBatchSize < 1 || maxQueueDelay.isNegative() || maxQueueSize < 1) {
            throw new IllegalArgumentException("bad batch settings");
        }
    }

    /** Defaults: up to 8 requests, 5 ms delay, 256 waiting. */
    public static BatchSettings defaults() {
        return new BatchSettings(8, Duration.ofMillis(5), 256);
    }

    /** One request per dispatch (batching off). */
    public static BatchSettings disabled() {
        return new BatchSettings(1, Duration.ZERO, 256);
    }
}
