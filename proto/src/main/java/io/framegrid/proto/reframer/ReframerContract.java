package io.framegrid.proto.reframer;

import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.reframer.v1.AnalysisParams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Product C's contract between roles, defined once: job and task type names, stage order, the job metadata and
 * task parameters the planner and the executors share, and the result refs a completed analysis carries. The
 * coordinator plans with it, gpu-nodes execute by it, the SDK and the gateway read results through it.
 */
public final class ReframerContract {
    /** The product's name in every role: plug-in names, configuration keys {@code gateway.reframer.*}, quotas. */
    public static final String PRODUCT = "reframer";
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
    /** Job metadata set from {@link AnalysisParams}. */
    public static final String ASPECT = "aspect";
    public static final String SAMPLE_EVERY = "sample_every";
    public static final String MAX_FRAMES = "max_frames";
    /**
     * Probe results on the media (and {@code duration_seconds} copied into the analysis job's metadata for the video
     * list): {@code total_frames} is the count that decodes, which the planner sizes the ranges with.
     */
    public static final String DURATION_SECONDS = "duration_seconds";
    public static final String TOTAL_FRAMES = "total_frames";
    /**
     * Result refs: {@code results:<media id of the serialized {@link io.framegrid.proto.reframer.v1.ReframerResults}>}
     * and {@code video:<media id of the render>}.
     */
    public static final String RESULTS_REF = "results:";
    public static final String VIDEO_REF = "video:";
    /** Content type of the stored results blob. */
    public static final String RESULTS_CONTENT_TYPE = "application/x-protobuf; messageType=framegrid.reframer.v1.ReframerResults";

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

    /** The job metadata {@code params} stands for; fields left at zero/empty are omitted (the executors' defaults). */
    public static Map<String, String> metadata(AnalysisParams params) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (!params.getAspect().isEmpty()) {
            meta.put(ASPECT, params.getAspect());
        }
        if (params.getSampleEvery() > 0) {
            meta.put(SAMPLE_EVERY, Integer.toString(params.getSampleEvery()));
        }
        if (params.getMaxFrames() > 0) {
            meta.put(MAX_FRAMES, Integer.toString(params.getMaxFrames()));
        }
        if (params.getRangeFrames() > 0) {
            meta.put(RANGE_FRAMES, Long.toString(params.getRangeFrames()));
        }
        return meta;
    }

    /** The media id a completed job's result ref {@code prefix} names, if it has one. */
    public static Optional<String> ref(Job job, String prefix) {
        return job.getResultRefsList().stream().filter(r -> r.startsWith(prefix))
                .map(r -> r.substring(prefix.length())).findFirst();
    }

    /** A job's failure as its user should read it: without the fabric's "Task x failed: " prefix, never blank. */
    public static String userError(String error) {
        String e = error == null ? "" : error.replaceFirst("^Task \\S+ failed: ", "");
        return e.isBlank() ? "Video could not be processed" : e;
    }

}
