package io.framegrid.coordinator.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.detection.DetectionContract;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The detection planners: one task per image, GPU routing only when asked and a GPU node is live, bad input refused. */
class DetectionPlannersTest {
    private static final Map<String, String> IMAGE = Map.of(DetectionContract.MEDIA_ID, "m1");

    @Test
    void aDetectionIsOneTaskThatNeedsNoGpuUnlessAsked() {
        List<StagePlan> plan = DetectionPlanners.plan(IMAGE, () -> true);
        assertThat(plan).hasSize(1);
        assertThat(plan.get(0).getTaskType()).isEqualTo(DetectionContract.DETECT);
        assertThat(plan.get(0).getChunks()).isEqualTo(1);
        assertThat(plan.get(0).getRequirements().getGpu()).isFalse();
        // History files the detection under the time it was submitted, set here and not by the caller.
        assertThat(DetectionPlanners.plan(Map.of(DetectionContract.MEDIA_ID, "m1", DetectionContract.SUBMITTED_MS, "1"),
                () -> false, 1234L).get(0).getParamsMap()).containsEntry(DetectionContract.SUBMITTED_MS, "1234");
    }

    @Test
    void askingForAGpuRequiresOneOnlyWhileOneIsLive() {
        Map<String, String> gpu = Map.of(DetectionContract.MEDIA_ID, "m1", DetectionContract.USE_GPU, "true");
        assertThat(DetectionPlanners.plan(gpu, () -> true).get(0).getRequirements().getGpu()).isTrue();
        // Without a live GPU node the task may run anywhere rather than wait for one that may never come.
        assertThat(DetectionPlanners.plan(gpu, () -> false).get(0).getRequirements().getGpu()).isFalse();
    }

    @Test
    void aCallerCannotSetTheRequirementsThemselves() {
        Map<String, String> forced = Map.of(DetectionContract.MEDIA_ID, "m1", "requires.gpu", "true",
                "requires.models", "secret");
        StagePlan stage = DetectionPlanners.plan(forced, () -> true).get(0);
        assertThat(stage.getRequirements().getGpu()).isFalse();
        assertThat(stage.getRequirements().getModelsList()).isEmpty();
    }

    @Test
    void badParametersAreRefusedAtSubmit() {
        assertThatThrownBy(() -> DetectionPlanners.plan(Map.of(), () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(DetectionContract.MEDIA_ID);
        assertThatThrownBy(() -> DetectionPlanners.plan(Map.of(DetectionContract.MEDIA_ID, "m1",
                DetectionContract.CONFIDENCE, "1.5"), () -> false)).isInstanceOf(IllegalArgumentException.class);
    }
}
