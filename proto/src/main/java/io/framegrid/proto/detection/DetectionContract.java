package io.framegrid.proto.detection;

import io.framegrid.proto.detection.v1.DetectionParams;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.jobs.v1.Job;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Product E's contract between roles, defined once: the job and task type, the job metadata the SDK sets and the
 * executor reads. The coordinator plans with it, gpu-nodes execute by it, the SDK and the gateway read through it.
 */
public final class DetectionContract {
    /** The product's name in every role: plug-in names, configuration keys {@code gateway.detection.*}, quotas. */
    public static final String PRODUCT = "detection";
    /** The job type of one image's detection, and the type of its one task. */
    public static final String DETECT = "detection.detect";
    /** Job metadata: the uploaded image's media id. */
    public static final String MEDIA_ID = "media_id";
    /**
     * The largest image {@code DetectionService.Detect} takes in its one message: under gRPC's default 4 MiB message
     * limit. Larger images are uploaded to the media store as a stream and their job names them.
     */
    public static final int MAX_INLINE_IMAGE_BYTES = 3 << 20;
    /** Job metadata set from {@link DetectionParams}. */
    public static final String CONFIDENCE = "confidence_threshold";
    public static final String MODEL_ID = "model_id";
    public static final String MAX_PIXELS = "max_pixels";
    public static final String USE_GPU = "use_gpu";
    public static final String MULTI_THREADING = "enable_multi_threading";
    /** Job metadata the planner sets: when the detection was submitted (epoch ms), the time history files it under. */
    public static final String SUBMITTED_MS = "submitted_ms";
    /** The note a detection's results carry when it asked for a GPU and ran on a CPU. */
    public static final String CPU_NOTE = "No GPU node was available; the detection ran on the CPU";
    /** The model a detection runs with unless it names another: YOLOX-Nano (80 COCO classes). */
    public static final String DEFAULT_MODEL = "yolox-nano";
    /** The threshold a detection applies unless it names another. */
    public static final float DEFAULT_CONFIDENCE = 0.5f;
    /**
     * The lowest threshold a detection applies: a user's 0 ("everything") becomes this, because a zero threshold
     * in a job means "the default" and the detector's own 0 means "the model's default".
     */
    public static final float MIN_CONFIDENCE = 0.001f;
    /** Decoded pixels an image may have unless the job says less: 50 megapixels (about 150 MB as BGR). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /**
     * Result ref of detections completed before their results moved into the task's commit (2026-12-03):
     * {@code results:<media id of the serialized DetectionResults>}; still read for those. New detections commit the
     * serialized {@code DetectionResults} as their one task's output and carry no ref.
     */
    public static final String RESULTS_REF = "results:";

    private DetectionContract() {
    }

    /** The job metadata {@code params} stands for; fields left at zero/empty are omitted (the executor's defaults). */
    public static Map<String, String> metadata(DetectionParams params) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (params.getConfidenceThreshold() > 0) {
            meta.put(CONFIDENCE, Float.toString(params.getConfidenceThreshold()));
        }
        if (!params.getModelId().isEmpty()) {
            meta.put(MODEL_ID, params.getModelId());
        }
        if (params.getMaxPixels() > 0) {
            meta.put(MAX_PIXELS, Long.toString(params.getMaxPixels()));
        }
        if (params.getUseGpu()) {
            meta.put(USE_GPU, "true");
        }
        if (params.getEnableMultiThreading()) {
            meta.put(MULTI_THREADING, "true");
        }
        return meta;
    }

    /**
     * The parameters a detection runs with for a user's stored {@code settings}: their threshold (a 0 becomes
     * {@link #MIN_CONFIDENCE}), model and GPU preference, tiling, and at most {@code maxPixels} decoded pixels.
     */
    public static DetectionParams paramsFor(DetectionSettings settings, long maxPixels) {
        return DetectionParams.newBuilder()
                .setConfidenceThreshold(Math.max(MIN_CONFIDENCE, settings.getConfidenceThreshold()))
                .setModelId(settings.getModelId()).setUseGpu(settings.getUseGpu())
                .setEnableMultiThreading(settings.getEnableMultiThreading()).setMaxPixels(maxPixels).build();
    }

    /** The settings a user has before changing any: threshold 0.5, GPU when live, the default model. */
    public static DetectionSettings defaultSettings() {
        return DetectionSettings.newBuilder().setConfidenceThreshold(DEFAULT_CONFIDENCE).setUseGpu(true)
                .setEnableMultiThreading(false).setModelId(DEFAULT_MODEL).build();
    }

    /** {@code settings} if they are valid (threshold 0..1, a model named); else IllegalArgumentException. */
    public static DetectionSettings validated(DetectionSettings settings) {
        float c = settings.getConfidenceThreshold();
        if (!(c >= 0 && c <= 1)) {
            throw new IllegalArgumentException("confidenceThreshold must be between 0 and 1");
        }
        if (settings.getModelId().isBlank()) {
            throw new IllegalArgumentException("model_id must not be empty");
        }
        return settings;
    }

    private static boolean bool(Map<String, String> meta, String key, boolean fallback) {
        String v = meta.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false");
        }
        return Boolean.parseBoolean(v);
    }

    /** The parameters job metadata {@code meta} carries; a malformed value is the caller's error. */
    public static DetectionParams params(Map<String, String> meta) {
        DetectionParams.Builder params = DetectionParams.newBuilder()
                .setModelId(meta.getOrDefault(MODEL_ID, DEFAULT_MODEL))
                .setConfidenceThreshold(DEFAULT_CONFIDENCE).setMaxPixels(DEFAULT_MAX_PIXELS);
        try {
            if (meta.containsKey(CONFIDENCE)) {
                params.setConfidenceThreshold(Float.parseFloat(meta.get(CONFIDENCE)));
            }
            if (meta.containsKey(MAX_PIXELS)) {
                params.setMaxPixels(Long.parseLong(meta.get(MAX_PIXELS)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("detection parameters must be numbers", e);
        }
        float c = params.getConfidenceThreshold();
        if (!(c >= 0 && c <= 1)) {
            throw new IllegalArgumentException(CONFIDENCE + " must be between 0 and 1");
        }
        if (params.getMaxPixels() <= 0) {
            throw new IllegalArgumentException(MAX_PIXELS + " must be positive");
        }
        params.setUseGpu(bool(meta, USE_GPU, false));
        params.setEnableMultiThreading(bool(meta, MULTI_THREADING, false));
        return params.build();
    }

    /** The media id a completed job's result ref {@code prefix} names, if it has one. */
    public static Optional<String> ref(Job job, String prefix) {
        return job.getResultRefsList().stream().filter(r -> r.startsWith(prefix))
                .map(r -> r.substring(prefix.length())).findFirst();
    }

    /** A job's failure as its user should read it: without the fabric's "Task x failed: " prefix, never blank. */
    public static String userError(String error) {
        String e = error == null ? "" : error.replaceFirst("^Task \\S+ failed: ", "");
        return e.isBlank() ? "The image could not be processed" : e;
    }
}
