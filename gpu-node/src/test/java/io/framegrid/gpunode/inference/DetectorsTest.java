package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.models.ModelRegistry;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DetectorsTest {

    private static ModelRegistry registry;
    private static DetectorFactory factory;

    @BeforeAll
    static void setUp() {
        registry = new ModelRegistry(SharedFiles.models());
        factory = new DetectorFactory(registry, new CpuFrameKernels());
    }

    static Mat image(String name) {
        return opencv_imgcodecs.imread(SharedFiles.media("images/" + name).toString());
    }

    static List<String> classes(List<Detection> detections) {
        return detections.stream().map(Detection::className).toList();
    }

    @Test
    void yoloxFindsDogBicycleCarAndPersonHorse() {
        try (Detector yolox = factory.load(registry.find("yolox-nano").orElseThrow())) {
            List<List<Detection>> found = yolox.detect(List.of(image("dog.jpg"), image("person.jpg")), 0.3f);
            assertThat(classes(found.get(0))).contains("dog", "bicycle").containsAnyOf("car", "truck");
            assertThat(classes(found.get(1))).contains("person", "horse");
            Detection dog = found.get(0).stream().filter(d -> d.className().equals("dog")).findFirst().orElseThrow();
            // dog.jpg is 768x576; the dog sits in the lower-left quarter.
            assertThat(dog.x()).isBetween(80f, 200f);
            assertThat(dog.y()).isBetween(180f, 300f);
            assertThat(dog.confidence()).isGreaterThan(0.5f);
        }
    }

    @Test
    void hogFindsPeopleInVtestFrames() {
        List<Mat> frames = new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"),
                FrameSampling.atTimestamps(List.of(10_000_000L, 30_000_000L, 50_000_000L)))
                .stream().map(DecodedFrame::image).toList();
        try (Detector hog = factory.load(registry.find("hog-people").orElseThrow())) {
            List<List<Detection>> found = hog.detect(frames, 0.3f);
            assertThat(found).hasSize(3).allSatisfy(list -> assertThat(classes(list)).contains("person"));
        }
    }

    @Test
    void textDetectorMarksCounterTextAndNothingOnFruits() {
        List<Mat> frames = new MediaDecoder().decodeToList(SharedFiles.media("counter-text.mp4"),
                FrameSampling.everyNth(400)).stream().map(DecodedFrame::image).toList();
        try (Detector text = factory.load(registry.find("paddleocr-db-text").orElseThrow())) {
            List<List<Detection>> found = text.detect(frames, 0.6f);
            assertThat(found).hasSize(frames.size()).allSatisfy(list -> assertThat(list).isNotEmpty());
            assertThat(text.detect(List.of(image("fruits.jpg")), 0.6f).get(0)).isEmpty();
        }
    }

    @Test
    void textBatchOfMixedSizesMatchesSingleRuns() {
        // Two sizes (two buckets, one model call each; the larger bucket split across the cores on the CPU): every
        // image must get exactly the boxes a single run gives it.
        List<Mat> frames = new java.util.ArrayList<>(new MediaDecoder().decodeToList(SharedFiles.media("counter-text.mp4"),
                FrameSampling.everyNth(300)).stream().map(DecodedFrame::image).toList());
        Mat small = new Mat();
        org.bytedeco.opencv.global.opencv_imgproc.resize(frames.get(0), small,
                new org.bytedeco.opencv.opencv_core.Size(frames.get(0).cols() / 2, frames.get(0).rows() / 2));
        frames.add(1, small);
        assertThat(frames.size()).isGreaterThanOrEqualTo(4);
        try (Detector text = factory.load(registry.find("paddleocr-db-text").orElseThrow())) {
            List<List<Detection>> batched = text.detect(frames, 0.6f);
            assertThat(batched).hasSize(frames.size());
            for (int i = 0; i < frames.size(); i++) {
                List<Detection> single = text.detect(List.of(frames.get(i)), 0.6f).get(0);
                assertThat(single).isNotEmpty();
                assertThat(batched.get(i)).hasSameSizeAs(single);
                for (int d = 0; d < single.size(); d++) {
                    assertThat(batched.get(i).get(d).x()).isCloseTo(single.get(d).x(), org.assertj.core.data.Offset.offset(0.5f));
                    assertThat(batched.get(i).get(d).y()).isCloseTo(single.get(d).y(), org.assertj.core.data.Offset.offset(0.5f));
                    assertThat(batched.get(i).get(d).width()).isCloseTo(single.get(d).width(), org.assertj.core.data.Offset.offset(0.5f));
                }
            }
        }
    }

    @Test
    void selfieSegmentationAndHaarFacesRun() {
        try (Detector selfie = factory.load(registry.find("selfie-segmentation").orElseThrow());
                Detector faces = factory.load(registry.find("haar-face").orElseThrow())) {
            assertThat(classes(selfie.detect(List.of(image("person.jpg")), 0.5f).get(0))).contains("person");
            Mat mask = ((SelfieSegmenter) selfie).segment(image("person.jpg"));
            assertThat(org.bytedeco.opencv.global.opencv_core.countNonZero(mask)).isPositive();
            assertThat(faces.detect(List.of(image("messi5.jpg")), 0.1f)).hasSize(1);
        }
    }

    @AfterAll
    static void noop() {
    }
}
