package io.framegrid.gpunode.engine.lipsync;

import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.models.ModelManifest;
import io.framegrid.gpunode.models.ModelRegistry;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds the lip-sync model installed on this node: an active manifest of task {@value #TASK} (runtime
 * {@code onnxruntime}) in the node's model registry, i.e. a {@code *.model.properties} in the models folder, as
 * {@code framegrid models add} writes it. No lip-sync model ships; without one {@link #open()} is empty and callers
 * dub without lip-sync.
 */
public final class LipSyncModels {
    /** The registry task of lip-sync models (never a detector: not listed or routed as one). */
    public static final String TASK = ModelRegistry.LIP_SYNC_TASK;
    /** The built-in face detector the tracking uses. */
    public static final String FACE_MODEL = "haar-face";

    private final ModelRegistry registry;
    private final Supplier<Detector> faces;

    /** @param faces the face detector, asked for only when a model is applied */
    public LipSyncModels(ModelRegistry registry, Supplier<Detector> faces) {
        this.registry = registry;
        this.faces = faces;
    }

    /** The node's registry and its engine's (cached, engine-owned) built-in face detector. */
    public LipSyncModels(InferenceEngine engine) {
        this(engine.registry(), () -> engine.detector(FACE_MODEL));
    }

    /** The installed lip-sync models' manifests, active ones, by id. */
    public java.util.List<ModelManifest> installed() {
        return registry.list().stream().filter(m -> TASK.equals(m.task()) && registry.isActive(m.id()))
                .sorted(Comparator.comparing(ModelManifest::id)).toList();
    }

    /**
     * The first installed lip-sync model (by id), loaded; empty when none is installed. An installed model that
     * does not load or meets not the contract is an {@link IllegalStateException}: an operator who installed one
     * expects lip-sync, so it is never skipped silently.
     */
    public Optional<LipSync> open() {
        return installed().stream().findFirst().map(this::load);
    }

    /** A named lip-sync model, loaded; empty when no active lip-sync model has that id. */
    public Optional<LipSync> open(String id) {
        return installed().stream().filter(m -> m.id().equals(id)).findFirst().map(this::load);
    }

    private LipSync load(ModelManifest manifest) {
        if (!"onnxruntime".equals(manifest.runtime())) {
            throw new IllegalStateException("lip-sync model " + manifest.id() + " has runtime " + manifest.runtime()
                    + ": only onnxruntime is supported");
        }
        Path file = registry.localFile(manifest)
                .orElseThrow(() -> new IllegalStateException("lip-sync model " + manifest.id() + " has no file"));
        try {
            return new OnnxLipSync(manifest, file, faces);
        } catch (RuntimeException e) {
            throw new IllegalStateException("lip-sync model " + manifest.id() + " does not load: " + e.getMessage(), e);
        }
    }
}
