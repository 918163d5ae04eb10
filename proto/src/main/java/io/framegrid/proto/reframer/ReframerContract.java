package io.framegrid.proto.reframer;

/**
 * Product C's contract between roles, defined once: job and task type names, stage order, the job metadata and
 * task parameters the planner and the executors share, and the result refs a completed analysis carries. The
 * coordinator plans with it, gpu-nodes execute by it, the SDK and the gateway read results through it.
 */
public final class ReframerContract {
    public static final String PROBE = "reframer.probe";
    public static final String ANALYZE = "reframer.analyze";
    public static final String SCAN = "reframer.scan";
    public static final String TRACK = "reframer.track";
    public static final String SEGMENT = "reframer.segment";
    public static final String RENDER = "reframer.render";
    /** Stage indexes of an analysis job. */
    public static final int SCAN_STAGE = 0;
    public static final int TRACK_STAGE = 1;
    public static final int SEGMENT_STAGE = 2;
    public static final int RENDER_STAGE = 3;
    /** Job metadata: the uploaded video's media id. */
    public static final String MEDIA_ID = "media_id";
    /** Task param set by the planner on the ranged stages: frames per range (a multiple of the sampling step). */
    public static final String RANGE_FRAMES = "range_frames";
    /** Result refs: {@code results:<media id of the results JSON>} and {@code video:<media id of the render>}. */
    public static final String RESULTS_REF = "results:";
    public static final String VIDEO_REF = "video:";


    private ReframerContract() {
    }

    /**
     * Frames {@code [from, to)} of range {@code chunk}; the last range runs to {@code limit} (the frame cap, or
     * {@link Long#MAX_VALUE} for the end of the video), so a frame count that was off loses no frames.
     */
    public static long[] range(int chunk, int chunks, long rangeFrames, long limit) {
        long from = chunk * rangeFrames;
        long to = chunk == chunks - 1 ? limit : Math.min(limit, from + rangeFrames);
        return new long[] {from, Math.max(from, to)};
    }

}
