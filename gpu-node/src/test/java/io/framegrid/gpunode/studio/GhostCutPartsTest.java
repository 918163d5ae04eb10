package io.framegrid.gpunode.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.gpunode.engine.text.TextBox;
import io.framegrid.gpunode.engine.text.UserArea;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How GhostCut's ranges join into one video's shots, and the spec's annotations into areas. */
class GhostCutPartsTest {

    private static GhostCutParts.RangeText range(long from, long to, boolean cut, long[]... shots) {
        return new GhostCutParts.RangeText(from, to, 320, 180, cut, List.of(shots), List.of());
    }

    @Test
    void aRangesFirstShotContinuesThePreviousRangesLastUnlessACutFallsOnItsFirstFrame() {
        List<int[]> shots = GhostCutParts.shots(List.of(
                range(40, 60, true, new long[] {40, 59}),                            // cut exactly at 40
                range(0, 40, true, new long[] {0, 24}, new long[] {25, 39}),
                range(60, 80, false, new long[] {60, 70}, new long[] {71, 79})));    // 60 continues 40..59
        assertThat(shots).containsExactly(new int[] {0, 24}, new int[] {25, 39}, new int[] {40, 70},
                new int[] {71, 79});
    }

    @Test
    void annotationsBecomeAreasInFramesClippedToTheFrame() {
        List<UserArea> areas = GhostCutParts.areas("[{\"start_time\":1.0,\"end_time\":2.0,\"bbox\":{\"x\":300,"
                + "\"y\":10.5,\"width\":50,\"height\":20},\"type\":\"erasure\"},{\"start_time\":0,\"end_time\":1,"
                + "\"bbox\":{\"x\":400,\"y\":0,\"width\":5,\"height\":5}}]", 10, 320, 180);
        // The second lies outside the 320-px frame: nothing to erase.
        assertThat(areas).containsExactly(new UserArea(10, 19, new TextBox(300, 10, 20, 21), UserArea.Kind.ERASE));
        assertThat(GhostCutParts.areas(null, 10, 320, 180)).isEmpty();
        assertThatThrownBy(() -> GhostCutParts.areas("[{\"start_time\":0,\"end_time\":1,\"bbox\":{\"x\":1,\"y\":1,"
                + "\"width\":5,\"height\":5},\"type\":\"blur\"}]", 10, 320, 180))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
