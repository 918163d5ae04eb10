package io.framegrid.gpunode.inference;

import java.util.List;

/** Detections for one image with how the request was served. */
public record DetectionResult(String modelId, List<Detection> detections, int imageWidth, int imageHeight,
        long queueNanos, long runNanos, int batchSize) {
}
