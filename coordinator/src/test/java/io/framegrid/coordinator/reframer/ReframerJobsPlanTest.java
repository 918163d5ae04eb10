package io.framegrid.coordinator.reframer;

import io.framegrid.proto.reframer.ReframerContract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.proto.cluster.v1.StagePlan;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How an analysis is cut into frame ranges, and how a ranged task finds its frames. */
class ReframerJobsPlanTest {

    private static List<StagePlan> plan(Map<String, String> meta, long frames) {
        return ReframerJobs.plan(meta, id -> frames > 0 ? OptionalLong.of(frames) : OptionalLong.empty());
    }

    @Test
    void vtestIsScannedAndSegmentedInFourRangesAroundOneTrackingAndOneRenderTask() {
        List<StagePlan> stages = plan(Map.of("media_id", "m"), 795);
        assertThat(stages).extracting(StagePlan::getTaskType).containsExactly(
                ReframerContract.SCAN, ReframerContract.TRACK, ReframerContract.SEGMENT, ReframerContract.RENDER);
        assertThat(stages).extracting(StagePlan::getChunks).containsExactly(4, 1, 4, 1);
        assertThat(stages.get(ReframerContract.SCAN_STAGE).getParamsMap()).containsEntry(ReframerContract.RANGE_FRAMES, "200");
        assertThat(stages.get(ReframerContract.SEGMENT_STAGE).getParamsMap()).containsEntry(ReframerContract.RANGE_FRAMES, "200");
    }

    @Test
    void rangesFollowTheFrameCapAndStartOnSampledFrames() {
        List<StagePlan> capped = plan(Map.of("media_id", "m", "max_frames", "300", "range_frames", "50"), 795);
        assertThat(capped.get(0).getChunks()).isEqualTo(6);
        // 48 is not a multiple of the sampling step 5: ranges grow to 50 so every range starts on a sampled frame.
        List<StagePlan> rounded = plan(Map.of("media_id", "m", "range_frames", "48"), 100);
        assertThat(rounded.get(0).getParamsMap()).containsEntry(ReframerContract.RANGE_FRAMES, "50");
        assertThat(rounded.get(0).getChunks()).isEqualTo(2);
    }

    @Test
    void anUnknownFrameCountIsOneRangeAndALongVideoAtMostSixtyFour() {
        assertThat(plan(Map.of("media_id", "m"), 0).get(0).getChunks()).isEqualTo(1);
        List<StagePlan> long_ = plan(Map.of("media_id", "m", "sample_every", "3"), 1_000_000);
        assertThat(long_.get(0).getChunks()).isLessThanOrEqualTo(64);
        long range = Long.parseLong(long_.get(0).getParamsMap().get(ReframerContract.RANGE_FRAMES));
        assertThat(range % 3).isZero();
        assertThat(range * long_.get(0).getChunks()).isGreaterThanOrEqualTo(1_000_000);
    }

    @Test
    void badParametersAreRefusedAtSubmit() {
        assertThatThrownBy(() -> plan(Map.of("sample_every", "0"), 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sample_every");
        assertThatThrownBy(() -> plan(Map.of("max_frames", "many"), 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLastRangeRunsToTheCapOrTheEndOfTheVideo() {
        assertThat(ReframerContract.range(0, 4, 200, Long.MAX_VALUE)).containsExactly(0, 200);
        assertThat(ReframerContract.range(3, 4, 200, Long.MAX_VALUE)).containsExactly(600, Long.MAX_VALUE);
        assertThat(ReframerContract.range(5, 6, 50, 300)).containsExactly(250, 300);
        assertThat(ReframerContract.range(0, 1, 200, Long.MAX_VALUE)).containsExactly(0, Long.MAX_VALUE);
    }
}
