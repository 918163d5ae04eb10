package io.framegrid.coordinator.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.proto.cluster.v1.StagePlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconstruction plans: four sequential one-task stages, the matcher by input, dense only with a live GPU. */
class ReconstructionJobsPlanTest {
    @Test
    void imagesAreMatchedExhaustivelyFramesSequentially() {
        List<StagePlan> images = ReconstructionJobs.planReconstruct(Map.of(PROJECT_ID, "1", QUALITY, "low",
                INPUT_MEDIA_IDS, "a,b,c"), () -> false);
        assertThat(images).extracting(StagePlan::getTaskType).containsExactly(FEATURES, MATCH, MAP, MESH);
        assertThat(images).allMatch(s -> s.getChunks() == 1);
        assertThat(images.get(MATCH_STAGE).getParamsMap()).containsEntry(MATCHER, "exhaustive");
        assertThat(images.get(MESH_STAGE).getParamsMap()).containsEntry(DENSE, "false");
        assertThat(images.get(MESH_STAGE).getRequirements().getGpu()).isFalse();

        List<StagePlan> frames = ReconstructionJobs.planReconstruct(Map.of(PROJECT_ID, "1", FRAMES_MEDIA_ID, "z"),
                () -> true);
        assertThat(frames.get(MATCH_STAGE).getParamsMap()).containsEntry(MATCHER, "sequential");
        assertThat(frames.get(MESH_STAGE).getParamsMap()).containsEntry(DENSE, "true");
        assertThat(frames.get(MESH_STAGE).getRequirements().getGpu()).isTrue();
        assertThat(frames.get(FEATURES_STAGE).getRequirements().getGpu()).isFalse();
    }

    @Test
    void badParametersAreTheCallersError() {
        assertThatThrownBy(() -> ReconstructionJobs.planReconstruct(Map.of(PROJECT_ID, "1", QUALITY, "ultra",
                INPUT_MEDIA_IDS, "a"), () -> false)).hasMessageContaining("quality");
        assertThatThrownBy(() -> ReconstructionJobs.planReconstruct(Map.of(PROJECT_ID, "1"), () -> false))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ReconstructionJobs.planReconstruct(Map.of(INPUT_MEDIA_IDS, "a"), () -> false))
                .hasMessageContaining(PROJECT_ID);
        assertThatThrownBy(() -> ReconstructionJobs.planExtract(Map.of(PROJECT_ID, "1", MEDIA_ID, "v",
                INTERVAL, "0"))).hasMessageContaining(INTERVAL);
        assertThatThrownBy(() -> ReconstructionJobs.planExtract(Map.of(PROJECT_ID, "1", MEDIA_ID, "v",
                STRATEGY, "random"))).hasMessageContaining(STRATEGY);
        assertThat(ReconstructionJobs.planExtract(Map.of(PROJECT_ID, "1", MEDIA_ID, "v", STRATEGY, "keyframes")))
                .singleElement().extracting(StagePlan::getTaskType).isEqualTo(EXTRACT);
    }

    @Test
    void theQualityScoreIsTheDocumentedOne() {
        assertThat(qualityScore(8, 8, 0.5)).isEqualTo(1 / 1.5);
        assertThat(qualityScore(4, 8, 1.0)).isEqualTo(0.25);
        assertThat(qualityScore(0, 8, 0.3)).isZero();
        assertThat(Quality.parse("low").maxImageSize()).isEqualTo(1000);
        assertThat(Quality.parse("extreme").maxFeatures()).isEqualTo(8192);
    }
}
