package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.models.ModelManifest;
import io.framegrid.gpunode.models.ModelRegistry;
import java.nio.file.Path;

/** Loads the detector for a manifest according to its runtime (and, for ONNX, its task). */
public final class DetectorFactory {

    private final ModelRegistry registry;
    private final FrameKernels kernels;

    public DetectorFactory(ModelRegistry registry, FrameKernels kernels) {
        this.registry = registry;
        this.kernels = kernels;
    }

    public Detector load(ModelManifest manifest) {
        return switch (manifest.runtime()) {
            case "opencv-hog" -> new HogPeopleDetector(manifest);
            case "opencv-haar" -> new HaarFaceDetector(manifest, file(manifest));
            case "opencv-dnn" -> new SelfieSegmenter(manifest, file(manifest));
            case "onnxruntime" -> switch (manifest.task()) {
                case "text-detection" -> new PaddleTextDetector(manifest, file(manifest), kernels);
                case "object-detection" -> new YoloxDetector(manifest, file(manifest), kernels);
                case ModelRegistry.LIP_SYNC_TASK -> throw new IllegalArgumentException(manifest.id()
                        + " is a lip-sync model, not a detector (engine.lipsync.LipSyncModels loads it)");
                default -> throw new IllegalArgumentException("no ONNX detector for task " + manifest.task());
            };
            default -> throw new IllegalArgumentException("unknown runtime " + manifest.runtime());
        };
    }

    private Path file(ModelManifest manifest) {
        return registry.localFile(manifest)
                .orElseThrow(() -> new IllegalArgumentException(manifest.id() + " has no model file"));
    }
}
