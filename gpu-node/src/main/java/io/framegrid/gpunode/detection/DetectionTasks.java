package io.framegrid.gpunode.detection;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.DetectionResult;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.inference.InferenceException;
import io.framegrid.fabric.jobs.LeaseLostException;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutor;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionParams;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.media.v1.Media;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * The gpu-node side of product E: {@code detection.detect} reads the job's image from the media store, decodes it,
 * runs the engine's detector (YOLOX-Nano unless the job names another model) and stores the objects at or above the
 * job's threshold, boxes in the original image's pixels, as a {@link DetectionResults} in the task's commit.
 */
public final class DetectionTasks {
    /** The gateway refuses larger uploads; this only keeps a job naming some other media from reading it whole. */
    static final long MAX_IMAGE_BYTES = 64L << 20;
    /** Tiling applies to images whose long side is larger than this (about three times the model's input). */
    static final int TILE_ABOVE = 1280;
    static final int TILES = 4;
    /** Each tile's share of a side: 2 x 2 tiles of 60 % overlap by a fifth of the image. */
    static final double TILE_SHARE = 0.6;
    /** Boxes of one class overlapping more than this are one object seen twice (by the whole image and a tile). */
    static final float MERGE_IOU = 0.5f;

    private final MediaLibrary media;
    private final InferenceEngine engine;
    private final boolean gpu;
    private final HistoryWriter history;

    /** Files a completed detection in the owner's history (the grid cache {@code fg_detection_history}). */
    @FunctionalInterface
    public interface HistoryWriter {
        void write(DetectionRecord record);
    }

    /** @param gpu whether this node has a CUDA device (what the results report as their device) */
    public DetectionTasks(MediaLibrary media, InferenceEngine engine, boolean gpu) {
        this(media, engine, gpu, record -> { });
    }

    public DetectionTasks(MediaLibrary media, InferenceEngine engine, boolean gpu, HistoryWriter history) {
        this.media = media;
        this.engine = engine;
        this.gpu = gpu;
        this.history = history;
    }

    /**
     * Words every failure of {@code executor} for the user: {@link TaskFailure}s as they are, anything else (the
     * store unreachable, a bug) is retried and, once out of attempts, reads as one plain sentence; the cause goes to
     * the job log. Cancellation and a lost lease pass through for the worker to handle.
     */
    static TaskExecutor plainFailures(TaskExecutor executor) {
        return ctx -> {
            try {
                return executor.execute(ctx);
            } catch (TaskFailure | CancellationException | InterruptedException | LeaseLostException e) {
                throw e;
            } catch (Exception e) {
                throw TaskFailure.retryable("The detection failed on a compute node", e);
            }
        };
    }

    /** Detects objects in the job's image and stores the results; refusals of the image fail the job at once. */
    public TaskCommit detect(TaskContext ctx) throws IOException, InterruptedException {
        DetectionParams params;
        try {
            params = DetectionContract.params(ctx.params());
        } catch (IllegalArgumentException e) {
            throw TaskFailure.permanent("Invalid detection parameters: " + e.getMessage(), e);
        }
        Media image = ownedMedia(ctx);
        if (image.getSize() > MAX_IMAGE_BYTES) {
            throw TaskFailure.permanent("The image is too large", null);
        }
        byte[] bytes;
        try (InputStream in = media.store().open(image.getStorageKey(), 0, -1)) {
            bytes = in.readAllBytes();
        }
        ctx.checkCancelled();
        float threshold = Math.max(DetectionContract.MIN_CONFIDENCE, params.getConfidenceThreshold());
        DetectionResults.Builder built = detect(ctx.jobId(), bytes, params.getModelId(), threshold,
                params.getMaxPixels(), params.getEnableMultiThreading()).toBuilder().setDevice(gpu ? "gpu" : "cpu");
        if (params.getUseGpu() && !gpu) {
            built.setNote(DetectionContract.CPU_NOTE);
        }
        DetectionResults results = built.build();
        // Before the commit: a task retried after a lost commit rewrites the same record (keyed by detection id).
        history.write(DetectionRecord.newBuilder().setDetectionId(ctx.jobId()).setOwnerId(ctx.task().getOwnerId())
                .setCreatedMs(submittedMs(ctx.params())).setModelId(results.getModelId())
                .setImageWidth(results.getImageWidth()).setImageHeight(results.getImageHeight())
                .setConfidenceThreshold(threshold).addAllObjects(results.getObjectsList())
                .setFilename(image.getFilename()).build());
        // The results ride in the task's commit (a few KB): no blob, fsync and media record per detection, and the
        // owner reads them back with the job in one call (DetectionHistoryService.GetDetection).
        return new TaskCommit(results.toByteArray(), List.of(), 0,
                List.of(String.format(Locale.ROOT, "Detected %d objects (%s, threshold %.3f) in %dx%d on %s",
                        results.getObjectsCount(), results.getModelId(), threshold, results.getImageWidth(),
                        results.getImageHeight(), ctx.nodeId())));
    }

    /**
     * The objects {@code modelId} finds in the encoded image {@code bytes} with at least {@code threshold}
     * confidence, most confident first. Fails with a permanent {@link TaskFailure} when the bytes are no image,
     * the image has more than {@code maxPixels} pixels, or the model is not served here.
     */
    DetectionResults detect(String detectionId, byte[] bytes, String modelId, float threshold, long maxPixels)
            throws InterruptedException {
        return detect(detectionId, bytes, modelId, threshold, maxPixels, false);
    }

    /**
     * As above; with {@code tiled} (the user's enableMultiThreading) an image whose long side exceeds
     * {@link #TILE_ABOVE} is also detected as {@link #TILES} overlapping tiles (2 x 2, each 60 % of a side), all
     * submitted at once so the node's batcher runs them side by side on its predictor pool; the tiles' boxes are
     * moved into the image's pixels and merged with the whole image's by class-wise non-maximum suppression. What it
     * buys: the model sees a large image's small objects at more pixels (YOLOX-Nano looks at 416 x 416).
     */
    DetectionResults detect(String detectionId, byte[] bytes, String modelId, float threshold, long maxPixels,
            boolean tiled) throws InterruptedException {
        try (BytePointer raw = new BytePointer(bytes); Mat encoded = new Mat(raw);
                Mat decoded = imdecode(encoded, IMREAD_COLOR)) {
            if (decoded == null || decoded.empty()) {
                throw TaskFailure.permanent("The file is not a decodable image (JPEG, PNG, WebP or BMP)", null);
            }
            long pixels = (long) decoded.cols() * decoded.rows();
            if (pixels > maxPixels) {
                throw TaskFailure.permanent("The image has " + pixels + " pixels; at most " + maxPixels
                        + " are accepted", null);
            }
            DetectionResult result;
            int w = decoded.cols();
            int h = decoded.rows();
            List<Detection> found;
            int tiles = tiled && Math.max(w, h) > TILE_ABOVE ? TILES : 0;
            try {
                CompletableFuture<DetectionResult> whole = engine.detect(modelId, decoded, threshold, Set.of());
                if (tiles == 0) {
                    result = whole.get();
                    found = result.detections();
                } else {
                    int tw = (int) Math.ceil(w * TILE_SHARE);
                    int th = (int) Math.ceil(h * TILE_SHARE);
                    List<int[]> origins = List.of(new int[] {0, 0}, new int[] {w - tw, 0}, new int[] {0, h - th},
                            new int[] {w - tw, h - th});
                    List<Mat> crops = new ArrayList<>();
                    List<CompletableFuture<DetectionResult>> parts = new ArrayList<>();
                    try {
                        for (int[] o : origins) {
                            Mat crop = new Mat(decoded, new Rect(o[0], o[1], tw, th)).clone();
                            crops.add(crop);
                            parts.add(engine.detect(modelId, crop, threshold, Set.of()));
                        }
                        result = whole.get();
                        List<Detection> all = new ArrayList<>(result.detections());
                        for (int i = 0; i < parts.size(); i++) {
                            int[] o = origins.get(i);
                            for (Detection d : parts.get(i).get().detections()) {
                                all.add(new Detection(d.classId(), d.className(), d.confidence(), d.x() + o[0],
                                        d.y() + o[1], d.width(), d.height()));
                            }
                        }
                        found = suppress(all);
                    } finally {
                        crops.forEach(Mat::close);
                    }
                }
            } catch (InferenceException e) {
                throw refusal(e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InferenceException ie) {
                    throw refusal(ie);
                }
                throw TaskFailure.retryable("The detection failed on a compute node", e.getCause());
            }
            DetectionResults.Builder out = DetectionResults.newBuilder().setDetectionId(detectionId)
                    .setModelId(result.modelId()).setImageWidth(w).setImageHeight(h).setConfidenceThreshold(threshold)
                    .setTiles(tiles);
            // The detector's own threshold handling is not trusted for the promise "nothing below the threshold".
            found.stream().filter(d -> d.confidence() >= threshold)
                    .sorted(Comparator.comparingDouble(Detection::confidence).reversed())
                    .map(d -> clipped(d, w, h)).filter(o -> o.getWidth() > 0 && o.getHeight() > 0)
                    .forEach(out::addObjects);
            return out.build();
        }
    }

    /** Greedy class-wise non-maximum suppression of the whole image's and the tiles' boxes, most confident first. */
    static List<Detection> suppress(List<Detection> candidates) {
        List<Detection> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection d : sorted) {
            if (kept.stream().noneMatch(k -> k.className().equals(d.className()) && k.iou(d) > MERGE_IOU)) {
                kept.add(d);
            }
        }
        return kept;
    }

    private static long submittedMs(Map<String, String> params) {
        try {
            return Long.parseLong(params.getOrDefault(DetectionContract.SUBMITTED_MS, ""));
        } catch (NumberFormatException e) {
            return System.currentTimeMillis();
        }
    }

    private static TaskFailure refusal(InferenceException e) {
        return switch (e.reason()) {
            case UNKNOWN_MODEL, INACTIVE_MODEL -> TaskFailure.permanent("The selected model is not available", e);
            case BAD_INPUT -> TaskFailure.permanent("The file is not a decodable image", e);
            default -> TaskFailure.retryable("The detection failed on a compute node", e);
        };
    }

    /** A box rounded to whole pixels and clipped to the image, so it never points outside the original. */
    static DetectedObject clipped(Detection d, int width, int height) {
        int x0 = clamp(Math.round(d.x()), width);
        int y0 = clamp(Math.round(d.y()), height);
        int x1 = clamp(Math.round(d.x() + d.width()), width);
        int y1 = clamp(Math.round(d.y() + d.height()), height);
        return DetectedObject.newBuilder().setClassName(d.className()).setConfidence(d.confidence())
                .setX(x0).setY(y0).setWidth(x1 - x0).setHeight(y1 - y0).build();
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    /** The task's image, which must belong to the job's owner: a job naming someone else's media id finds nothing. */
    private Media ownedMedia(TaskContext ctx) {
        String mediaId = ctx.params().getOrDefault(DetectionContract.MEDIA_ID, "");
        return media.get(mediaId).filter(m -> m.getOwnerId().equals(ctx.task().getOwnerId()))
                .orElseThrow(() -> TaskFailure.permanent("Image " + mediaId + " not found", null));
    }
}
