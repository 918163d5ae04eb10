package io.framegrid.proto.annotation;

/**
 * Product A's contract between roles, defined once: the probe job and task type, the job metadata it reads and the
 * probe keys it writes on the media, which the coordinator copies into the pool's video record.
 */
public final class AnnotationContract {
    /** The product's name in every role: plug-in names, configuration keys {@code gateway.annotation.*}. */
    public static final String PRODUCT = "annotation";
    /** Job and task type: a gpu-node reads the uploaded video and records what plays. */
    public static final String PROBE = "annotation.probe";
    /** Job metadata: the uploaded video's media id. */
    public static final String MEDIA_ID = "media_id";
    /** Media metadata marking an upload as product A's. */
    public static final String PRODUCT_KEY = "product";
    /** Probe keys on the media: duration in ms, frames per second, frames that decode. */
    public static final String DURATION_MS = "annotation.duration_ms";
    public static final String FPS = "annotation.fps";
    public static final String FRAMES = "annotation.frames";

    /** Job type: speed predictions for one video (flow over frame ranges on gpu-nodes, then the model applied). */
    public static final String INFER = "annotation.infer";
    /** Job type: fit a speed model on every committed annotation and CSV speed (flow ranges, then one fit). */
    public static final String TRAIN = "annotation.train";
    /** Task types: flow measures of frame ranges; the model applied; the model fitted. */
    public static final String FLOW = "annotation.flow";
    public static final String PREDICT = "annotation.predict";
    public static final String FIT = "annotation.fit";
    /** Stage parameter: the flow stage's ranges, {@code videoId:fromFrame:toFrame} joined by {@code ;}, one per chunk. */
    public static final String RANGES = "annotation.ranges";
    /** Stage parameter: the model version an inference applies (pinned when the job is planned). */
    public static final String MODEL_VERSION = "annotation.model_version";
    /** Job metadata of an inference: the video. */
    public static final String VIDEO_ID = "video_id";
    /** Output samples per second of video (10 Hz): one per round(fps / 10) frames. */
    public static final double SAMPLE_HZ = 10;
    /** Frames per flow task. */
    public static final int RANGE_FRAMES = 300;
    /** Key in the models cache naming the newest version. */
    public static final String LATEST_MODEL = "latest";
    /** Key prefix in the models cache for an inference job's stored predictions. */
    public static final String PREDICTIONS_PREFIX = "run/";

    /** Frames between output samples for a video of {@code fps}: 10 Hz where fps allows. */
    public static int sampleStep(double fps) {
        return Math.max(1, (int) Math.round(fps / SAMPLE_HZ));
    }

    private AnnotationContract() {
    }
}
