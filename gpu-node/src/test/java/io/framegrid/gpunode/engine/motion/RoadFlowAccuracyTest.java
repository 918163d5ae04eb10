package io.framegrid.gpunode.engine.motion;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The speed estimator on a rendered dashcam clip ({@link DashcamClip}: camera 1.4 m above a ground textured with a
 * real photo, driven at the real speed profile of {@code telemetry/speeds-20hz.txt} from sample 16,400, 20 fps,
 * 320×240): flow at 10 Hz, a model fitted on the first 60 s, its mean absolute error measured on the next 30 s.
 */
class RoadFlowAccuracyTest {
    static final int FPS = 20;
    static final int TRAIN_FRAMES = 60 * FPS;
    static final int TEST_FRAMES = 30 * FPS;
    static final int PROFILE_START = 16_400;

    private static Path dir;
    private static Path clip;
    private static List<Double> speeds;

    @BeforeAll
    static void render() throws Exception {
        dir = Files.createTempDirectory("framegrid-roadflow");
        clip = dir.resolve("dashcam.mp4");
        speeds = profile(PROFILE_START, TRAIN_FRAMES + TEST_FRAMES + 1);
        DashcamClip.render(SharedFiles.media("images/kite.jpg"), speeds, FPS, 320, 240, clip);
    }

    @AfterAll
    static void clean() throws Exception {
        Files.deleteIfExists(clip);
        Files.deleteIfExists(dir);
    }

    static List<Double> profile(int from, int count) throws Exception {
        List<String> lines = Files.readAllLines(SharedFiles.media("telemetry/speeds-20hz.txt"));
        List<Double> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(Double.parseDouble(lines.get(i).trim()));
        }
        return out;
    }

    @Test
    void speedFromFlowIsWithinAMetrePerSecondOnUnseenDriving() {
        List<double[]> trainX = new ArrayList<>();
        List<Double> trainY = new ArrayList<>();
        List<RoadFlow.Measure> test = new ArrayList<>();
        List<Double> testY = new ArrayList<>();
        try (RoadFlow flow = new RoadFlow()) {
            Mat[] previous = new Mat[1];
            RoadFlow.Measure[] held = new RoadFlow.Measure[1];
            new MediaDecoder().decode(clip, FrameSampling.all(), f -> {
                Mat prepared = flow.prepare(f.image());
                long k = f.index() - 1;
                // A 10 Hz sample averages the two frame pairs (k, k+1) and (k+1, k+2) of its slot, k even.
                if (previous[0] != null && k < TRAIN_FRAMES + TEST_FRAMES + 1) {
                    RoadFlow.Measure m = flow.measure(previous[0], prepared, 1.0 / FPS);
                    if (k % 2 == 0) {
                        held[0] = m;
                    } else if (held[0] != null) {
                        RoadFlow.Measure avg = RoadFlow.mean(List.of(held[0], m));
                        long slot = k - 1;
                        if (slot < TRAIN_FRAMES) {
                            trainX.add(avg.bands());
                            trainY.add((speeds.get((int) slot) + speeds.get((int) slot + 1)) / 2);
                        } else if (slot < TRAIN_FRAMES + TEST_FRAMES) {
                            test.add(avg);
                            testY.add((speeds.get((int) slot) + speeds.get((int) slot + 1)) / 2);
                        }
                    }
                }
                if (previous[0] != null) {
                    previous[0].close();
                }
                previous[0] = prepared;
                return true;
            });
        }
        assertThat(trainX).hasSize(TRAIN_FRAMES / 2);
        assertThat(test).hasSize(TEST_FRAMES / 2);
        SpeedRegression.Coefficients model = SpeedRegression.fit(trainX,
                trainY.stream().mapToDouble(Double::doubleValue).toArray());
        double error = 0;
        double confidenceSum = 0;
        double minConfidence = 1;
        for (int i = 0; i < test.size(); i++) {
            SpeedRegression.Estimate e = SpeedRegression.predict(model, test.get(i).bands(), test.get(i).downward());
            error += Math.abs(e.speed() - testY.get(i));
            confidenceSum += e.confidence();
            minConfidence = Math.min(minConfidence, e.confidence());
        }
        double mae = error / test.size();
        System.out.printf("RoadFlow MAE on the 30 s test stretch: %.3f m/s (mean confidence %.3f, min %.3f)%n", mae,
                confidenceSum / test.size(), minConfidence);
        assertThat(mae).isLessThanOrEqualTo(1.0);
        // Confidence comes from the estimate, so it varies.
        assertThat(minConfidence).isLessThan(confidenceSum / test.size());
    }
}
