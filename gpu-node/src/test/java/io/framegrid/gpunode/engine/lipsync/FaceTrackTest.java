package io.framegrid.gpunode.engine.lipsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.models.ModelManifest;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The speaker's track from a stub detector reporting one steady face at a given cascade confidence. */
class FaceTrackTest {

    /** A detector that finds the same face in every image except those listed, at {@code confidence}. */
    private record SteadyFace(float confidence, int missing) implements Detector {
        @Override
        public ModelManifest manifest() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<List<Detection>> detect(List<Mat> images, float threshold) {
            List<List<Detection>> out = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                boolean found = confidence >= threshold && images.get(i).rows() != missing;
                out.add(found ? List.of(new Detection(0, "face", confidence, 100, 60, 90, 90)) : List.of());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    /** 0.3–0.5: 3 to 5 cascade neighbours, every confidence the face detector keeps. */
    @ParameterizedTest(name = "confidence {0}")
    @ValueSource(floats = {0.3f, 0.4f, 0.5f})
    void aSteadyFaceAtAnyKeptConfidenceIsTrackedThroughTheSegment(float confidence) {
        List<Mat> frames = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // Frame 7 is one row taller: the stub's marker for "no face here".
            frames.add(new Mat(i == 7 ? 241 : 240, 320, org.bytedeco.opencv.global.opencv_core.CV_8UC3));
        }
        Rect[] boxes = FaceTrack.boxes(new SteadyFace(confidence, 241), frames);
        for (int i = 0; i < frames.size(); i++) {
            if (i == 7) {
                assertNull(boxes[i], "no detection, no box");
            } else {
                assertNotNull(boxes[i], "frame " + i);
                assertEquals(100, boxes[i].x());
                assertEquals(90, boxes[i].width());
            }
        }
        frames.forEach(Mat::close);
    }
}
