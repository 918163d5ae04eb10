package io.framegrid.gpunode.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The detection executor's image path on real images with the shared YOLOX-Nano, on the CPU. */
class DetectionTasksTest {
    private static InferenceEngine engine;
    private static DetectionTasks tasks;

    @BeforeAll
    static void engine() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        engine = new InferenceEngine(registry, new DetectorFactory(registry, new CpuFrameKernels()),
                new BatchSettings(1, Duration.ofMillis(1), 64), new BatchingMetrics(new PrometheusRegistry()));
        // The image path reads no media: the library is only used by the task wrapper around it.
        tasks = new DetectionTasks(null, engine, false);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static byte[] image(String name) throws Exception {
        return Files.readAllBytes(SharedFiles.media("images/" + name));
    }

    @Test
    void findsTheDogInsideTheOriginalImage() throws Exception {
        DetectionResults results = tasks.detect("d1", image("dog.jpg"), "yolox-nano", 0.3f, 50_000_000L);

        assertThat(results.getDetectionId()).isEqualTo("d1");
        assertThat(results.getModelId()).isEqualTo("yolox-nano");
        assertThat(results.getImageWidth()).isGreaterThan(0);
        assertThat(results.getObjectsList()).extracting(DetectedObject::getClassName).contains("dog");
        for (DetectedObject o : results.getObjectsList()) {
            assertThat(o.getConfidence()).isGreaterThanOrEqualTo(0.3f);
            assertThat(o.getX()).isBetween(0, results.getImageWidth());
            assertThat(o.getY()).isBetween(0, results.getImageHeight());
            assertThat(o.getX() + o.getWidth()).isLessThanOrEqualTo(results.getImageWidth());
            assertThat(o.getY() + o.getHeight()).isLessThanOrEqualTo(results.getImageHeight());
            assertThat(o.getWidth()).isPositive();
        }
        assertThat(results.getObjectsList()).isSortedAccordingTo(
                (a, b) -> Float.compare(b.getConfidence(), a.getConfidence()));
    }

    @Test
    void multiThreadingTilesALargeImageAndMergesTheTilesBoxes() throws Exception {
        byte[] large;
        try (org.bytedeco.opencv.opencv_core.Mat src = org.bytedeco.opencv.global.opencv_imgcodecs.imread(
                SharedFiles.media("images/dog.jpg").toString());
                org.bytedeco.opencv.opencv_core.Mat big = new org.bytedeco.opencv.opencv_core.Mat();
                org.bytedeco.javacpp.BytePointer jpeg = new org.bytedeco.javacpp.BytePointer()) {
            org.bytedeco.opencv.global.opencv_imgproc.resize(src, big,
                    new org.bytedeco.opencv.opencv_core.Size(src.cols() * 2, src.rows() * 2));
            org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".jpg", big, jpeg);
            large = new byte[(int) jpeg.limit()];
            jpeg.get(large);
        }
        DetectionResults plain = tasks.detect("p", large, "yolox-nano", 0.3f, 50_000_000L, false);
        DetectionResults tiled = tasks.detect("t", large, "yolox-nano", 0.3f, 50_000_000L, true);
        assertThat(plain.getTiles()).isZero();
        assertThat(tiled.getTiles()).isEqualTo(4);
        assertThat(tiled.getImageWidth()).isEqualTo(plain.getImageWidth()).isGreaterThan(1280);
        assertThat(tiled.getObjectsList()).extracting(DetectedObject::getClassName).contains("dog");
        for (DetectedObject o : tiled.getObjectsList()) {
            assertThat(o.getConfidence()).isGreaterThanOrEqualTo(0.3f);
            assertThat(o.getX() + o.getWidth()).isLessThanOrEqualTo(tiled.getImageWidth());
            assertThat(o.getY() + o.getHeight()).isLessThanOrEqualTo(tiled.getImageHeight());
        }
        // One object seen by the whole image and by a tile is listed once.
        for (DetectedObject a : tiled.getObjectsList()) {
            for (DetectedObject b : tiled.getObjectsList()) {
                if (a != b && a.getClassName().equals(b.getClassName())) {
                    assertThat(iou(a, b)).as("%s vs %s", a, b).isLessThanOrEqualTo(0.5);
                }
            }
        }
        // A small image is never tiled.
        assertThat(tasks.detect("s", image("dog.jpg"), "yolox-nano", 0.3f, 50_000_000L, true).getTiles()).isZero();
    }

    private static double iou(DetectedObject a, DetectedObject b) {
        double ix = Math.max(0, Math.min(a.getX() + a.getWidth(), b.getX() + b.getWidth()) - Math.max(a.getX(), b.getX()));
        double iy = Math.max(0, Math.min(a.getY() + a.getHeight(), b.getY() + b.getHeight()) - Math.max(a.getY(), b.getY()));
        double inter = ix * iy;
        return inter / ((double) a.getWidth() * a.getHeight() + (double) b.getWidth() * b.getHeight() - inter);
    }

    @Test
    void aHigherThresholdKeepsOnlyObjectsAtOrAboveIt() throws Exception {
        byte[] horses = image("horses.jpg");
        DetectionResults low = tasks.detect("d2", horses, "yolox-nano", 0.1f, 50_000_000L);
        DetectionResults high = tasks.detect("d3", horses, "yolox-nano", 0.7f, 50_000_000L);

        assertThat(low.getObjectsCount()).isGreaterThan(high.getObjectsCount());
        assertThat(low.getObjectsList()).anyMatch(o -> o.getConfidence() < 0.7f);
        assertThat(high.getObjectsList()).allMatch(o -> o.getConfidence() >= 0.7f);
        assertThat(high.getConfidenceThreshold()).isEqualTo(0.7f);
    }

    @Test
    void bytesThatAreNoImageFailPermanently() {
        assertThatThrownBy(() -> tasks.detect("d4", "not an image".getBytes(StandardCharsets.UTF_8), "yolox-nano",
                0.5f, 50_000_000L))
                .isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining("not a decodable image");
    }

    @Test
    void anImageOverThePixelCapFailsPermanently() {
        assertThatThrownBy(() -> tasks.detect("d5", image("dog.jpg"), "yolox-nano", 0.5f, 10_000L))
                .isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining("at most 10000");
    }

    @Test
    void anUnknownModelFailsPermanently() {
        assertThatThrownBy(() -> tasks.detect("d6", image("dog.jpg"), "no-such-model", 0.5f, 50_000_000L))
                .isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining("model is not available");
    }

    @Test
    void otherFailuresAreRetriedInPlainWordsAndRefusalsPassThrough() {
        assertThatThrownBy(() -> DetectionTasks.plainFailures(ctx -> {
            throw new java.io.IOException("/data/blobs/x: connection reset");
        }).execute(null)).isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.retryable()).isTrue())
                .hasMessage("The detection failed on a compute node");
        TaskFailure refusal = TaskFailure.permanent("The file is not a decodable image", null);
        assertThatThrownBy(() -> DetectionTasks.plainFailures(ctx -> {
            throw refusal;
        }).execute(null)).isSameAs(refusal);
    }
}
