package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.models.ModelManifest;
import io.framegrid.gpunode.models.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Serves detection requests: picks the model, loads its detector on first use, and routes the request through
 * that model's {@link DynamicBatcher}.
 */
public final class InferenceEngine implements AutoCloseable {

    private record Request(Mat image, float threshold, Set<String> classes) {
    }

    private final ModelRegistry registry;
    private final DetectorFactory factory;
    private final BatchSettings batching;
    private final BatchingMetrics metrics;
    private final Map<String, Detector> detectors = new ConcurrentHashMap<>();
    private final Map<String, DynamicBatcher<Request, List<Detection>>> batchers = new ConcurrentHashMap<>();
    private final Map<String, DynamicBatcher<?, float[]>> stagedBatchers = new ConcurrentHashMap<>();

    public InferenceEngine(ModelRegistry registry, DetectorFactory factory, BatchSettings batching,
            BatchingMetrics metrics) {
        this.registry = registry;
        this.factory = factory;
        this.batching = batching;
        this.metrics = metrics;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Detects objects in a BGR image with {@code modelId} (empty: the default model); {@code threshold} ≤ 0 uses
     * the model's default; {@code classes} empty keeps every class. Fails with {@link InferenceException}.
     */
    public CompletableFuture<DetectionResult> detect(String modelId, Mat image, float threshold, Set<String> classes) {
        String id = modelId == null || modelId.isEmpty()
                ? registry.defaultModelId().orElseThrow(
                        () -> new InferenceException(InferenceException.Reason.UNKNOWN_MODEL, "no active model"))
                : modelId;
        ModelManifest manifest = registry.find(id).orElseThrow(
                () -> new InferenceException(InferenceException.Reason.UNKNOWN_MODEL, "unknown model '" + id + "'"));
        if (!registry.isDetector(id)) {
            throw new InferenceException(InferenceException.Reason.UNKNOWN_MODEL,
                    "model '" + id + "' is a " + manifest.task() + " model, not a detector");
        }
        if (!registry.isActive(id)) {
            throw new InferenceException(InferenceException.Reason.INACTIVE_MODEL, "model '" + id + "' is not active");
        }
        if (image == null || image.empty() || image.channels() != 3) {
            throw new InferenceException(InferenceException.Reason.BAD_INPUT, "expected a non-empty BGR image");
        }
        float effective = threshold > 0 ? threshold : manifest.defaultThreshold();
        if (detector(id) instanceof StagedDetector<?> staged) {
            return staged(id, manifest, staged, image, effective, Set.copyOf(classes));
        }
        return batcher(manifest).submit(new Request(image, effective, Set.copyOf(classes)))
                .handle((result, error) -> {
                    if (error != null) {
                        throw failure(id, error);
                    }
                    return new DetectionResult(id, result.value(), image.cols(), image.rows(), result.queueNanos(),
                            result.runNanos(), result.batchSize());
                });
    }

    /**
     * A staged detector's request: prepared here, on the caller's thread; the batcher only stacks and runs the
     * model; decoded on the detector's decode pool, so the batcher's thread is free for the next batch at once.
     */
    private <P> CompletableFuture<DetectionResult> staged(String id, ModelManifest manifest, StagedDetector<P> detector,
            Mat image, float threshold, Set<String> classes) {
        P prepared;
        try {
            prepared = detector.prepare(image);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(id, e));
        }
        @SuppressWarnings("unchecked")
        DynamicBatcher<P, float[]> batcher = (DynamicBatcher<P, float[]>) stagedBatchers.computeIfAbsent(
                manifest.id(), m -> new DynamicBatcher<P, float[]>(m, batching, detector::run, metrics));
        return batcher.submit(prepared).handleAsync((result, error) -> {
            if (error != null) {
                throw failure(id, error);
            }
            List<Detection> found;
            try {
                found = detector.finish(prepared, result.value(), threshold).stream()
                        .filter(d -> classes.isEmpty() || classes.contains(d.className()))
                        .toList();
            } catch (RuntimeException e) {
                throw failure(id, e);
            }
            return new DetectionResult(id, found, image.cols(), image.rows(), result.queueNanos(),
                    result.runNanos(), result.batchSize());
        }, detector.decoders());
    }

    private static InferenceException failure(String id, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RejectedExecutionException) {
            return new InferenceException(InferenceException.Reason.OVERLOADED, cause.getMessage(), cause);
        }
        if (cause instanceof InferenceException ie) {
            return ie;
        }
        return new InferenceException(InferenceException.Reason.MODEL_FAILED,
                "model '" + id + "' failed: " + cause.getMessage(), cause);
    }

    /** The loaded detector for a model (loading it now if needed); for callers that bypass batching. */
    public Detector detector(String modelId) {
        ModelManifest manifest = registry.find(modelId).orElseThrow(() -> new InferenceException(
                InferenceException.Reason.UNKNOWN_MODEL, "unknown model '" + modelId + "'"));
        return detectors.computeIfAbsent(modelId, id -> {
            try {
                return factory.load(manifest);
            } catch (RuntimeException e) {
                throw new InferenceException(InferenceException.Reason.MODEL_FAILED,
                        "cannot load model '" + id + "': " + e.getMessage(), e);
            }
        });
    }

    private DynamicBatcher<Request, List<Detection>> batcher(ModelManifest manifest) {
        Detector detector = detector(manifest.id());
        return batchers.computeIfAbsent(manifest.id(), id -> new DynamicBatcher<>(id, batching,
                requests -> runBatch(detector, requests), metrics));
    }

    private static List<List<Detection>> runBatch(Detector detector, List<Request> requests) {
        List<Mat> images = new ArrayList<>(requests.size());
        float lowest = Float.MAX_VALUE;
        for (Request r : requests) {
            images.add(r.image());
            lowest = Math.min(lowest, r.threshold());
        }
        List<List<Detection>> all = detector.detect(images, lowest);
        List<List<Detection>> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            out.add(all.get(i).stream()
                    .filter(d -> d.confidence() >= r.threshold())
                    .filter(d -> r.classes().isEmpty() || r.classes().contains(d.className()))
                    .toList());
        }
        return out;
    }

    @Override
    public void close() {
        batchers.values().forEach(DynamicBatcher::close);
        stagedBatchers.values().forEach(DynamicBatcher::close);
        detectors.values().forEach(Detector::close);
    }
}
