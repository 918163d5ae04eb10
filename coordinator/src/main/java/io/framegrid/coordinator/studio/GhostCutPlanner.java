package io.framegrid.coordinator.studio;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.studio.StudioContract;
import java.util.List;
import java.util.Map;

/**
 * Plans a GhostCut job over the probed frame count of its input: text detection per frame range (parallel across
 * gpu-nodes), erasure per range (each task builds the whole video's text tracks from every range's detections, so
 * the tracking step costs no stage of its own and a rerun of any range computes the same tracks), and one task
 * that encodes the cleaned frames with the source's audio. A range is what one node redoes after a failure.
 */
final class GhostCutPlanner {
    /** About 4 s of 25 fps video per range: a few seconds of CPU work, a few hundred MB of decoded 720p frames. */
    static final int DEFAULT_RANGE_FRAMES = 100;
    /** Long videos get longer ranges rather than more tasks than the grid should track for one job. */
    static final int MAX_RANGES = 64;

    private final MediaLibrary media;

    GhostCutPlanner(MediaLibrary media) {
        this.media = media;
    }

    List<StagePlan> plan(Map<String, String> meta) {
        String mediaId = meta.getOrDefault(StudioContract.INPUT_MEDIA_ID, "");
        long frames = media.get(mediaId).map(m -> m.getProbeMap().get(StudioContract.PROBE_FRAMES))
                .filter(v -> v.matches("\\d{1,18}")).map(Long::parseLong).orElse(0L);
        if (frames <= 0) {
            throw new IllegalArgumentException("the input video has not been probed");
        }
        long range = JobTypes.intParam(meta, StudioContract.RANGE_FRAMES, DEFAULT_RANGE_FRAMES, 10, 1_000_000);
        if (frames > range * MAX_RANGES) {
            range = (frames + MAX_RANGES - 1) / MAX_RANGES;
        }
        int chunks = (int) ((frames + range - 1) / range);
        Map<String, String> ranged = Map.of(StudioContract.RANGE_FRAMES, Long.toString(range),
                StudioContract.TOTAL_FRAMES, Long.toString(frames));
        return List.of(
                JobTypes.stage("Detecting text", StudioContract.TASK_GHOSTCUT_DETECT, chunks, meta).toBuilder()
                        .putAllParams(ranged).build(),
                JobTypes.stage("Removing text", StudioContract.TASK_GHOSTCUT_ERASE, chunks, meta).toBuilder()
                        .putAllParams(ranged).build(),
                JobTypes.stage("Encoding video", StudioContract.TASK_GHOSTCUT_MUX, 1, meta).toBuilder()
                        .putAllParams(ranged).build());
    }
}
