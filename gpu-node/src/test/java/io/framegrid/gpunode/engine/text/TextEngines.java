package io.framegrid.gpunode.engine.text;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.models.ModelRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

final class TextEngines {

    private TextEngines() {
    }

    /** The node's engine as a gpu-node builds it (CPU twins, default batching), with the shared models. */
    static InferenceEngine engine() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        return new InferenceEngine(registry, new DetectorFactory(registry, new CpuFrameKernels()),
                BatchSettings.defaults(), new BatchingMetrics(new PrometheusRegistry()));
    }
}
