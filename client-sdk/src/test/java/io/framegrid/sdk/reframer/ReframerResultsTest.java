package io.framegrid.sdk.reframer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's results example, read into the typed records; RLE decoding as the spec's prose defines it. */
class ReframerResultsTest {
    private static final String SPEC_EXAMPLE = """
            {
              "job_id": "550e8400-e29b-41d4-a716-446655440000",
              "status": "success",
              "metadata": {"duration_seconds": 25.5, "width": 1080, "height": 1920, "fps": 30, "codec": "h264",
                           "total_frames": 765},
              "detections": {
                "10": [{"class": "person", "confidence": 0.5, "bbox": {"x": 1, "y": 2, "width": 3, "height": 4}}],
                "5": [
                  {"class": "person", "confidence": 0.92, "bbox": {"x": 100, "y": 50, "width": 120, "height": 200},
                   "label": "person"},
                  {"class": "product", "confidence": 0.87, "bbox": {"x": 300, "y": 150, "width": 80, "height": 100},
                   "label": "bottle"}
                ]
              },
              "segmentation_masks": {
                "5": [{"track_id": "obj_001", "class": "person", "mask_rle": "3,5,10,2", "mask_area_pixels": 7}]
              },
              "tracking": {
                "obj_001": {"class": "person", "start_frame": 5, "end_frame": 250, "duration_frames": 245,
                            "avg_confidence": 0.92, "frames": [{"frame": 5, "timestamp": 0.17, "confidence": 0.92}]}
              },
              "scenes": [
                {"scene_number": 1, "start_frame": 0, "end_frame": 150, "description": "Woman enters house with package",
                 "importance": 8, "replaceable_elements": [{"type": "person", "description": "Woman in blue dress",
                                                            "difficulty": "medium"}]}
              ]
            }""";

    @Test
    void theSpecsExampleReadsIntoTypedFields() {
        ReframerResults r = ReframerResults.parse(SPEC_EXAMPLE);
        assertThat(r.jobId()).isEqualTo("550e8400-e29b-41d4-a716-446655440000");
        assertThat(r.status()).isEqualTo("success");
        assertThat(r.metadata()).isEqualTo(new ReframerResults.Metadata(25.5, 1080, 1920, 30, "h264", 765));
        // Frames in frame order, not the document's.
        assertThat(r.detections().keySet()).containsExactly(5, 10);
        assertThat(r.detections().get(5)).containsExactly(
                new ReframerResults.Detection("person", 0.92, new ReframerResults.BoundingBox(100, 50, 120, 200), "person"),
                new ReframerResults.Detection("product", 0.87, new ReframerResults.BoundingBox(300, 150, 80, 100), "bottle"));
        assertThat(r.detections().get(10).get(0).label()).isEmpty();
        ReframerResults.SegmentationMask mask = r.segmentationMasks().get(5).get(0);
        assertThat(mask.trackId()).isEqualTo("obj_001");
        assertThat(mask.className()).isEqualTo("person");
        assertThat(mask.maskAreaPixels()).isEqualTo(7);
        ReframerResults.Track track = r.tracking().get("obj_001");
        assertThat(track.trackId()).isEqualTo("obj_001");
        assertThat(track.durationFrames()).isEqualTo(245);
        assertThat(track.avgConfidence()).isEqualTo(0.92);
        assertThat(track.frames()).containsExactly(new ReframerResults.TrackFrame(5, 0.17, 0.92));
        ReframerResults.Scene scene = r.scenes().get(0);
        assertThat(scene.sceneNumber()).isEqualTo(1);
        assertThat(scene.endFrame()).isEqualTo(150);
        assertThat(scene.importance()).isEqualTo(8);
        assertThat(scene.replaceableElements()).containsExactly(
                new ReframerResults.ReplaceableElement("person", "Woman in blue dress", "medium"));
        assertThat(r.rawJson()).isEqualTo(SPEC_EXAMPLE);
        assertThatThrownBy(() -> r.scenes().add(scene)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.detections().put(1, List.of())).isInstanceOf(UnsupportedOperationException.class);
    }

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
        ReframerResults.SegmentationMask m = new ReframerResults.SegmentationMask("t", "person", "3,5,10,2", 7);
        assertThat(m.decode(5, 4)).isEqualTo(mask);
        assertThatThrownBy(() -> RleMask.decode("3,5", 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cover 8 of");
        assertThatThrownBy(() -> RleMask.decode("30", 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RleMask.decode("3,-1", 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RleMask.decode("3,x", 20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void somethingElseThanTheResultsShapeIsRefused() {
        assertThatThrownBy(() -> ReframerResults.parse("not json")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReframerResults.parse("{\"metadata\": 3}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata");
        assertThatThrownBy(() -> ReframerResults.parse("{\"detections\": {\"five\": []}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("five");
    }
}
