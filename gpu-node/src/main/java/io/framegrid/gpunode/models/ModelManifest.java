package io.framegrid.gpunode.models;

import java.util.List;

/**
 * One model's manifest.
 *
 * @param task      {@code object-detection}, {@code text-detection}, {@code person-segmentation} or {@code lip-sync}
 *                  (not a detector: {@code engine.lipsync})
 * @param runtime   how it runs: {@code onnxruntime} (DJL), {@code opencv-dnn}, {@code opencv-hog}, {@code opencv-haar}
 * @param file      where the weights are: a path relative to the models directory, {@code classpath:...}
 *                  (a resource of a dependency jar), or {@code builtin:...} (nothing to load)
 * @param sha256    hex digest of the file: checked when the manifest gives one, computed otherwise
 * @param inputSpec human-readable input description, e.g. {@code images [1,3,416,416] BGR 0-255}
 * @param defaultThreshold confidence used when a request gives none
 * @param maxModelBatch    largest batch the model file accepts in one run (YOLOX-Nano's export: 1)
 */
public record ModelManifest(
        String id,
        String name,
        String description,
        String version,
        String task,
        String runtime,
        String file,
        String sha256,
        String licence,
        String inputSpec,
        List<String> classNames,
        float defaultThreshold,
        int maxModelBatch,
        boolean builtin) {

    public ModelManifest {
        classNames = List.copyOf(classNames);
    }

    ModelManifest withSha256(String digest) {
        return new ModelManifest(id, name, description, version, task, runtime, file, digest, licence, inputSpec,
                classNames, defaultThreshold, maxModelBatch, builtin);
    }
}
