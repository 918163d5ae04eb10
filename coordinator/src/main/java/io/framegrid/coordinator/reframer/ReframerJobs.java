package io.framegrid.coordinator.reframer;

import static io.framegrid.proto.reframer.ReframerContract.*;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Product C's job types. {@code reframer.probe} checks an uploaded video against the spec's limits (a gpu-node
 * decodes it; the coordinator has no media stack) so {@code POST /process} can refuse it synchronously.
 * {@code reframer.analyze} is planned into four stages: scans of frame ranges in parallel (decode, histograms,
 * detection, camera motion), one tracking task over all ranges in order (so ids stay continuous across ranges
 * that different nodes scanned), masks of the tracked objects per range in parallel (frames come back through
 * the frame cache), and one task that assembles the results and renders the reframed video.
 */
public final class ReframerJobs {
    /** The spec's limit on one analysis ("Max job duration: 10 minutes"); past it the job fails. */
    public static final java.time.Duration MAX_DURATION = java.time.Duration.ofMinutes(10);
    /** Frames per range unless the job asks otherwise: about 20 s of 10 fps video, a few seconds of work each. */
    static final int DEFAULT_RANGE_FRAMES = 200;
    /** Long videos get longer ranges rather than more tasks than the grid should track for one job. */
    static final int MAX_RANGES = 64;

    private ReframerJobs() {
    }

    /**
     * @param frameCount the probed frame count of a media id, when known (the planner sizes the ranges with it;
     *                   unknown means one range)
     */
    public static void register(JobTypes types, Function<String, OptionalLong> frameCount) {
        types.register(PROBE, meta -> List.of(JobTypes.stage("probe", PROBE, 1, meta)));
        types.register(ANALYZE, meta -> plan(meta, frameCount), MAX_DURATION);
    }

    static List<StagePlan> plan(Map<String, String> meta, Function<String, OptionalLong> frameCount) {
        int sampleEvery = JobTypes.intParam(meta, SAMPLE_EVERY, 5, 1, 1_000);
        int maxFrames = JobTypes.intParam(meta, MAX_FRAMES, 0, 0, Integer.MAX_VALUE);
        int requested = JobTypes.intParam(meta, RANGE_FRAMES, DEFAULT_RANGE_FRAMES, 10, 1_000_000);
        String mediaId = meta.getOrDefault(MEDIA_ID, "");
        long total = mediaId.isEmpty() ? 0 : frameCount.apply(mediaId).orElse(0);
        long frames = maxFrames > 0 ? (total > 0 ? Math.min(total, maxFrames) : maxFrames) : total;
        long range = roundUp(requested, sampleEvery);
        if (frames > range * MAX_RANGES) {
            range = roundUp((frames + MAX_RANGES - 1) / MAX_RANGES, sampleEvery);
        }
        int chunks = frames <= 0 ? 1 : (int) ((frames + range - 1) / range);
        Map<String, String> ranged = Map.of(RANGE_FRAMES, Long.toString(range));
        return List.of(
                JobTypes.stage("Detecting objects", SCAN, chunks, meta).toBuilder().putAllParams(ranged).build(),
                JobTypes.stage("Tracking objects", TRACK, 1, meta),
                JobTypes.stage("Segmenting objects", SEGMENT, chunks, meta).toBuilder().putAllParams(ranged).build(),
                JobTypes.stage("Rendering reframed video", RENDER, 1, meta));
    }

    private static long roundUp(long value, long step) {
        return Math.max(step, (value + step - 1) / step * step);
    }
}
