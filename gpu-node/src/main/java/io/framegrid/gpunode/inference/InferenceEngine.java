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
    private volatile boolean closed;

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
        checkOpen();
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
        closeIfLate(batcher);
        // The image's size is read now: the caller may free the Mat as soon as the future completes.
        int width = image.cols();
        int height = image.rows();
        CompletableFuture<DetectionResult> out = new CompletableFuture<>();
        // Not handleAsync on the decode pool: once the detector is closed its pool rejects the decode, and
        // handleAsync would then leave the caller's future incomplete for good (the rejection goes to whichever
        // thread completed the batch). Here a rejection fails the caller's future.
        batcher.submit(prepared).whenComplete((result, error) -> {
            if (error != null) {
                out.completeExceptionally(failure(id, error));
                return;
            }
            try {
                detector.decoders().execute(() -> {
                    try {
                        List<Detection> found = detector.finish(prepared, result.value(), threshold).stream()
                                .filter(d -> classes.isEmpty() || classes.contains(d.className()))
                                .toList();
                        out.complete(new DetectionResult(id, found, width, height, result.queueNanos(),
                                result.runNanos(), result.batchSize()));
                    } catch (RuntimeException e) {
                        out.completeExceptionally(failure(id, e));
                    }
                });
            } catch (RejectedExecutionException e) {
                out.completeExceptionally(new InferenceException(InferenceException.Reason.CLOSED,
                        "model '" + id + "' closed before its result was decoded", e));
            }
        });
        return out;
    }

    private void checkOpen() {
        if (closed) {
            throw new InferenceException(InferenceException.Reason.CLOSED, "inference engine is closed");
        }
    }

    /** A batcher created while {@link #close} ran may have been missed by it: closed here (close is idempotent). */
    private void closeIfLate(DynamicBatcher<?, ?> batcher) {
        if (closed) {
            batcher.close();
        }
    }

    private static InferenceException failure(String id, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof DynamicBatcher.ClosedException) {
            return new InferenceException(InferenceException.Reason.CLOSED, cause.getMessage(), cause);
        }
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
        checkOpen();
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
        DynamicBatcher<Request, List<Detection>> batcher = batchers.computeIfAbsent(manifest.id(),
                id -> new DynamicBatcher<Request, List<Detection>>(id, batching,
                        (requests, contended) -> runBatch(detector, requests, contended), metrics));
        closeIfLate(batcher);
        return batcher;
    }

    private static List<List<Detection>> runBatch(Detector detector, List<Request> requests, boolean contended) {
        List<Mat> images = new ArrayList<>(requests.size());
        float lowest = Float.MAX_VALUE;
        for (Request r : requests) {
            images.add(r.image());
            lowest = Math.min(lowest, r.threshold());
        }
        List<List<Detection>> all = detector.detect(images, lowest, contended);
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

    /**
     * In order: refuses new requests; closes the batchers (queued requests fail with {@link
     * InferenceException.Reason#CLOSED}); closes the detectors, each of which lets its running work finish and
     * waits for its model runs in flight before freeing its native sessions.
     */
    @Override
    public void close() {
        closed = true;
        batchers.values().forEach(DynamicBatcher::close);
        stagedBatchers.values().forEach(DynamicBatcher::close);
        detectors.values().forEach(Detector::close);
    }
}
