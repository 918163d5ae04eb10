package io.framegrid.coordinator.studio;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.studio.ProSyncTimeline;
import io.framegrid.proto.studio.StudioContract;
import java.util.List;
import java.util.Map;

/**
 * Plans a pro-sync job over its input's probed frame rate and frames: one render task per timeline piece (each
 * segment: its audio crop loudness-matched, and its frames when an effect or lip-sync changes them; and the
 * stretches outside segments an erasure covers), parallel across gpu-nodes, then one mux task. A job without a
 * timeline (a bare SDK submit; the gateway always sends one) is one render task.
 */
final class ProSyncPlanner {
    private final MediaLibrary media;

    ProSyncPlanner(MediaLibrary media) {
        this.media = media;
    }

    List<StagePlan> plan(Map<String, String> meta) {
        String encoded = meta.getOrDefault(StudioContract.PRO_SYNC_SEGMENTS, "");
        if (encoded.isBlank()) {
            return List.of(JobTypes.stage("render", StudioContract.TASK_PRO_SYNC, 1, meta));
        }
        Map<String, String> probe = media.get(meta.getOrDefault(StudioContract.INPUT_MEDIA_ID, ""))
                .map(m -> m.getProbeMap()).orElse(Map.of());
        long frames = parse(probe.get(StudioContract.PROBE_FRAMES));
        double fps = probe.containsKey(StudioContract.PROBE_FPS) ? Double.parseDouble(probe.get(StudioContract.PROBE_FPS)) : 0;
        if (frames <= 0 || !(fps > 0)) {
            throw new IllegalArgumentException("the input video has not been probed");
        }
        List<ProSyncTimeline.Piece> pieces = ProSyncTimeline.pieces(ProSyncTimeline.segments(encoded),
                ProSyncTimeline.effects(meta.get(StudioContract.PRO_SYNC_EFFECTS)), fps, frames);
        Map<String, String> probed = Map.of(StudioContract.FPS, probe.get(StudioContract.PROBE_FPS),
                StudioContract.TOTAL_FRAMES, Long.toString(frames));
        return List.of(
                JobTypes.stage("Processing segments", StudioContract.TASK_PRO_SYNC, pieces.size(), meta).toBuilder()
                        .putAllParams(probed).build(),
                JobTypes.stage("Encoding video", StudioContract.TASK_PRO_SYNC_MUX, 1, meta).toBuilder()
                        .putAllParams(probed).build());
    }

    private static long parse(String v) {
        return v != null && v.matches("\\d{1,18}") ? Long.parseLong(v) : 0;
    }
}
