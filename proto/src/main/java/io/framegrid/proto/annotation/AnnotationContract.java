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

    private AnnotationContract() {
    }
}
