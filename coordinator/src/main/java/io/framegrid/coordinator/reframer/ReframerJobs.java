package io.framegrid.coordinator.reframer;

import io.framegrid.coordinator.jobs.JobTypes;
import java.util.List;

/**
 * Product C's job types. {@code reframer.probe} checks an uploaded video against the spec's limits (a gpu-node
 * decodes it; the coordinator has no media stack) so {@code POST /process} can refuse it synchronously;
 * {@code reframer.analyze} runs detection, tracking, masks, scenes and the reframed render as one task, because
 * tracking and shot detection are sequential over the frames.
 */
public final class ReframerJobs {
    public static final String PROBE = "reframer.probe";
    public static final String ANALYZE = "reframer.analyze";
    /** Job metadata: the uploaded video's media id. */
    public static final String MEDIA_ID = "media_id";
    /** Result refs: {@code results:<media id of the results JSON>} and {@code video:<media id of the render>}. */
    public static final String RESULTS_REF = "results:";
    public static final String VIDEO_REF = "video:";

    private ReframerJobs() {
    }

    public static void register(JobTypes types) {
        types.register(PROBE, meta -> List.of(JobTypes.stage("probe", PROBE, 1, meta)));
        types.register(ANALYZE, meta -> List.of(JobTypes.stage("analyze", ANALYZE, 1, meta)));
    }
}
