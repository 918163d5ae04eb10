package io.framegrid.gpunode.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.MatBytes;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextDetectorTest {

    private static InferenceEngine engine;
    private static TextDetector detector;

    @BeforeAll
    static void setUp() {
        engine = TextEngines.engine();
        detector = new TextDetector(engine, TextDetector.Settings.defaults());
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    /** Share of {@code truth}'s area inside the union of {@code boxes}. */
    static double covered(TextBox truth, List<TextBox> boxes) {
        long in = 0;
        for (int y = truth.y(); y < truth.bottom(); y++) {
            for (int x = truth.x(); x < truth.right(); x++) {
                for (TextBox b : boxes) {
                    if (b.contains(x, y)) {
                        in++;
                        break;
                    }
                }
            }
        }
        return truth.area() == 0 ? 1 : (double) in / truth.area();
    }

    @Test
    void findsTextBurnedIntoARealFrameAndNothingThereWithoutIt() {
        Mat clean = TextFixtures.vtest(100, 1).get(0);
        TextFixtures.Burned burned = TextFixtures.burn(clean, "Subtitles are burned in here", 150, 540, 1.0);

        List<FrameBoxes> found = detector.detect(List.of(new DecodedFrame(100, 0, burned.frame()),
                new DecodedFrame(101, 0, clean)));

        assertThat(found).extracting(FrameBoxes::frame).containsExactly(100L, 101L);
        assertThat(covered(burned.box(), found.get(0).boxes())).isGreaterThanOrEqualTo(0.9);
        assertThat(found.get(1).boxes()).noneMatch(b -> b.intersection(burned.box()) > 0);
    }

    @Test
    void recallOnTheBurnedInCounterOfCounterText() {
        // The counter (frame number over timecode, white on black, left of the grey disc) is real burned-in text;
        // its ground truth is the bounding box of each line's bright pixels.
        List<DecodedFrame> frames = new MediaDecoder().decodeToList(SharedFiles.media("counter-text.mp4"),
                FrameSampling.range(0, 1250, 50));
        List<FrameBoxes> found = detector.detect(frames);
        int lines = 0;
        int hit = 0;
        for (int i = 0; i < frames.size(); i++) {
            for (TextBox line : counterLines(frames.get(i).image())) {
                lines++;
                if (covered(line, found.get(i).boxes()) >= 0.8) {
                    hit++;
                }
            }
        }
        double recall = (double) hit / lines;
        System.out.printf("counter-text recall: %d of %d lines (%.3f)%n", hit, lines, recall);
        assertThat(lines).isEqualTo(2 * frames.size());
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    /** Bounding boxes of the counter's two lines: bright pixels left of the disc, rows 70–89 and 90–109. */
    static List<TextBox> counterLines(Mat frame) {
        byte[] px = MatBytes.bgr(frame);
        int w = frame.cols();
        List<TextBox> lines = new ArrayList<>();
        for (int[] rows : new int[][] {{70, 90}, {90, 110}}) {
            int x0 = w;
            int y0 = Integer.MAX_VALUE;
            int x1 = -1;
            int y1 = -1;
            for (int y = rows[0]; y < rows[1]; y++) {
                for (int x = 0; x < 165; x++) {
                    if ((px[(y * w + x) * 3 + 1] & 0xff) > 128) {
                        x0 = Math.min(x0, x);
                        x1 = Math.max(x1, x);
                        y0 = Math.min(y0, y);
                        y1 = Math.max(y1, y);
                    }
                }
            }
            if (x1 >= 0) {
                lines.add(new TextBox(x0, y0, x1 - x0 + 1, y1 - y0 + 1));
            }
        }
        return lines;
    }
}
