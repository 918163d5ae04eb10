package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.detection.DetectionContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Product E's coordinator plug-in: {@code detection.detect}, one image in one task. The parameters are checked here,
 * at submit, so a malformed threshold is the caller's 400 instead of a failed job.
 */
public final class DetectionPlanners implements CoordinatorProduct {
    /** One image takes well under a second; a job still processing after this has a stuck node behind it. */
    static final Duration MAX_DURATION = Duration.ofMinutes(2);

    @Override
    public String name() {
        return DetectionContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        types.register(DetectionContract.DETECT, DetectionPlanners::plan, MAX_DURATION);
    }

    static List<StagePlan> plan(Map<String, String> meta) {
        DetectionContract.params(meta);
        if (meta.getOrDefault(DetectionContract.MEDIA_ID, "").isBlank()) {
            throw new IllegalArgumentException(DetectionContract.MEDIA_ID + " is required");
        }
        return List.of(JobTypes.stage("Detecting objects", DetectionContract.DETECT, 1, meta));
    }
}
