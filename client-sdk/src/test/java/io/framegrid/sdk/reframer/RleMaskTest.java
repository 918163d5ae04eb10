package io.framegrid.sdk.reframer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.proto.reframer.v1.SegmentationMask;
import org.junit.jupiter.api.Test;

/** RLE decoding as the spec's prose defines it: runs alternate from zeros and cover the frame exactly. */
class RleMaskTest {

    @Test
    void rleRunsAlternateFromZerosAndMustCoverTheFrame() {
        boolean[] mask = RleMask.decode("3,5,10,2", 20);
        int ones = 0;
        for (int i = 0; i < mask.length; i++) {
            boolean inside = (i >= 3 && i < 8) || i >= 18;
            assertThat(mask[i]).as("pixel %d", i).isEqualTo(inside);
            ones += mask[i] ? 1 : 0;
        }
        assertThat(ones).isEqualTo(7).isEqualTo((int) RleMask.area("3,5,10,2"));
        assertThat(RleMask.decodeBytes("0,2,1", 3)).containsExactly(1, 1, 0);
        SegmentationMask m = SegmentationMask.newBuilder().setTrackId("t").setClassName("person")
                .setMaskRle("3,5,10,2").setMaskAreaPixels(7).build();
        assertThat(RleMask.decode(m, 5, 4)).isEqualTo(mask);
        assertThatThrownBy(() -> RleMask.decode("3,5", 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cover 8 of");
        assertThatThrownBy(() -> RleMask.decode("30", 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RleMask.decode("3,-1", 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RleMask.decode("3,x", 20)).isInstanceOf(IllegalArgumentException.class);
    }
}
