package io.framegrid.gpunode.inference;

import java.nio.file.Path;

/**
 * The vision engine's configuration (to be mapped from the cluster's typed config).
 *
 * @param modelsDir  folder of model files and {@code *.model.properties} manifests
 * @param batching   dynamic batching applied to every model
 * @param cudaEnabled try the CUDA kernels (they still fall back to the CPU twins without a device)
 */
public record EngineSettings(Path modelsDir, BatchSettings batching, boolean cudaEnabled) {
}
