package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionParams;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Product E's coordinator plug-in. {@code detection.detect} is one image in one task; a detection asking for a GPU
 * is routed to a node with one when such a node is live, otherwise it runs on any node and its results say so.
 * {@code detection.settings} carries a user's settings as metadata (one task that does nothing). Parameters are
 * checked here, at submit, so a malformed value is the caller's 400 instead of a failed job.
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
        LiveGpus gpus = new LiveGpus(context.ignite(), context.clock());
        types.register(DetectionContract.DETECT, meta -> plan(meta, gpus::any), MAX_DURATION);
        types.register(DetectionContract.SETTINGS, DetectionPlanners::planSettings);
    }

    static List<StagePlan> plan(Map<String, String> meta, BooleanSupplier gpuLive) {
        DetectionParams params = DetectionContract.params(meta);
        if (meta.getOrDefault(DetectionContract.MEDIA_ID, "").isBlank()) {
            throw new IllegalArgumentException(DetectionContract.MEDIA_ID + " is required");
        }
        Map<String, String> planned = new LinkedHashMap<>(meta);
        // Only what the plan decides is set here; a caller's own requires.* keys are not honoured for this type.
        planned.remove("requires.gpu");
        planned.remove("requires.models");
        // Without a live GPU node the task may run anywhere; the node reports its device and notes the CPU.
        if (params.getUseGpu() && gpuLive.getAsBoolean()) {
            planned.put("requires.gpu", "true");
        }
        return List.of(JobTypes.stage("Detecting objects", DetectionContract.DETECT, 1, planned));
    }

    static List<StagePlan> planSettings(Map<String, String> meta) {
        DetectionContract.settings(meta);
        return List.of(JobTypes.stage("Settings", DetectionContract.SETTINGS, 1, Map.of()));
    }
}
