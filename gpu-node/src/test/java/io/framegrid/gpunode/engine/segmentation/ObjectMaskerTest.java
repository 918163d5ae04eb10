package io.framegrid.gpunode.engine.segmentation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.SelfieSegmenter;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker.Method;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ObjectMasker} on real vtest.avi frames: RLE integrity for both methods, the GrabCut fallback without the
 * model, {@code forEngine} and concurrent use. Whether the policy picks the more accurate method is a question for
 * the mask measurement, checked against it in the launcher's {@code MaskPolicyTest}.
 */
class ObjectMaskerTest {

    private static Detector yolox;
    private static SelfieSegmenter selfie;
    private static List<DecodedFrame> frames;
    private static final List<List<int[]>> BOXES = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        DetectorFactory factory = new DetectorFactory(registry, new CpuFrameKernels());
        yolox = factory.load(registry.find("yolox-nano").orElseThrow());
        selfie = (SelfieSegmenter) factory.load(registry.find("selfie-segmentation").orElseThrow());
        // Frames 50, 150 and 250 with YOLOX's person boxes: real pedestrians to mask, no reference needed.
        frames = new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"), FrameSampling.range(50, 300, 100));
        for (DecodedFrame f : frames) {
            BOXES.add(persons(f.image()));
        }
    }

    /** YOLOX person boxes {@code {x, y, w, h}} (confidence ≥ 0.5), clipped to the frame. */
    private static List<int[]> persons(Mat frame) {
        List<int[]> boxes = new ArrayList<>();
        for (Detection d : yolox.detect(List.of(frame), 0.5f).get(0)) {
            int x = Math.max(0, Math.round(d.x()));
            int y = Math.max(0, Math.round(d.y()));
            int w = Math.min(frame.cols() - x, Math.round(d.width()));
            int h = Math.min(frame.rows() - y, Math.round(d.height()));
            if ("person".equals(d.className()) && w > 0 && h > 0) {
                boxes.add(new int[] {x, y, w, h});
            }
        }
        return boxes;
    }

    @AfterAll
    static void tearDown() {
        frames.forEach(f -> f.image().close());
        selfie.close();
        yolox.close();
    }

    @Test
    void rleAreaMatchesAndMaskStaysInFrameForBothMethods() {
        ObjectMasker masker = new ObjectMasker(selfie, ObjectMasker.Policy.measured());
        Mat image = frames.get(0).image();
        int fw = image.cols();
        int fh = image.rows();
        List<int[]> boxes = new ArrayList<>(BOXES.get(0));
        assertThat(boxes).isNotEmpty();
        // Boxes reaching past every frame edge, and a degenerate one.
        boxes.add(new int[] {-30, -20, 120, 200});
        boxes.add(new int[] {fw - 60, fh - 150, 120, 300});
        boxes.add(new int[] {10, 10, 3, 3});
        for (int[] b : boxes) {
            for (Method method : Method.values()) {
                Rle.Encoded rle = masker.mask(image, b[0], b[1], b[2], b[3], method);
                boolean[] decoded = RleRuns.decode(rle.counts());
                assertThat(decoded).hasSize(fw * fh);
                long ones = 0;
                for (boolean v : decoded) {
                    ones += v ? 1 : 0;
                }
                assertThat(ones).as("area of %s mask", method).isEqualTo(rle.area()).isPositive();
                // Within the (clipped) box plus at most the model's clip margin.
                int mx = Math.max(2, (int) Math.round(b[2] * ObjectMasker.MODEL_CLIP_MARGIN));
                int my = Math.max(2, (int) Math.round(b[3] * ObjectMasker.MODEL_CLIP_MARGIN));
                int x0 = Math.max(0, b[0] - mx);
                int y0 = Math.max(0, b[1] - my);
                int x1 = Math.min(fw, b[0] + b[2] + mx);
                int y1 = Math.min(fh, b[1] + b[3] + my);
                for (int i = 0; i < decoded.length; i++) {
                    if (decoded[i]) {
                        int x = i % fw;
                        int y = i / fw;
                        assertThat(x >= x0 && x < x1 && y >= y0 && y < y1)
                                .as("%s pixel (%d,%d) near box %d,%d,%d,%d", method, x, y, b[0], b[1], b[2], b[3])
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void withoutTheModelEveryMaskIsGrabCut() throws Exception {
        ObjectMasker masker = new ObjectMasker(null, ObjectMasker.Policy.measured());
        assertThat(masker.hasModel()).isFalse();
        assertThat(ObjectMasker.grabCutOnly().methodFor("person", 100, 300)).isEqualTo(Method.GRABCUT);
        for (int h : new int[] {20, 90, 150, 400}) {
            assertThat(masker.methodFor("person", h / 2, h)).isEqualTo(Method.GRABCUT);
            assertThat(masker.methodFor("product", h, h)).isEqualTo(Method.GRABCUT);
        }
        assertThatThrownBy(() -> masker.pixels(frames.get(0).image(), 10, 10, 50, 100, Method.PERSON_MODEL))
                .isInstanceOf(IllegalStateException.class);
        // GrabCut is confined to the box (GC_INIT_WITH_RECT makes everything outside it background), and masks
        // come out on several threads at once.
        Mat image = frames.get(1).image();
        List<int[]> boxes = BOXES.get(1);
        assertThat(boxes).isNotEmpty();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Rle.Encoded>> futures = new ArrayList<>();
            for (int[] b : boxes) {
                futures.add(pool.submit(() -> masker.mask(image, "person", b[0], b[1], b[2], b[3])));
            }
            for (int i = 0; i < boxes.size(); i++) {
                int[] b = boxes.get(i);
                Rle.Encoded rle = futures.get(i).get();
                boolean[] decoded = RleRuns.decode(rle.counts());
                long inBox = 0;
                for (int y = b[1]; y < b[1] + b[3]; y++) {
                    for (int x = b[0]; x < b[0] + b[2]; x++) {
                        inBox += decoded[y * image.cols() + x] ? 1 : 0;
                    }
                }
                assertThat(inBox).isEqualTo(rle.area()).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forEngineUsesTheEnginesModelWhenItHasOne() {
        ModelRegistry withModels = new ModelRegistry(SharedFiles.models());
        ModelRegistry without = new ModelRegistry(null);
        try (InferenceEngine a = engine(withModels); InferenceEngine b = engine(without)) {
            ObjectMasker masker = ObjectMasker.forEngine(a);
            assertThat(masker.hasModel()).isTrue();
            assertThat(masker.methodFor("person", 40, 120)).isEqualTo(Method.PERSON_MODEL);
            assertThat(masker.methodFor("product", 40, 120)).isEqualTo(Method.GRABCUT);
            assertThat(ObjectMasker.forEngine(b).hasModel()).isFalse();
            withModels.deactivate(ObjectMasker.PERSON_MODEL_ID);
            assertThat(ObjectMasker.forEngine(a).hasModel()).isFalse();
        }
    }

    private static InferenceEngine engine(ModelRegistry registry) {
        return new InferenceEngine(registry, new DetectorFactory(registry, new CpuFrameKernels()),
                new BatchSettings(1, Duration.ofMillis(1), 8), new BatchingMetrics(new PrometheusRegistry()));
    }

    @Test
    void theModelIsSafeToShareBetweenThreads() throws Exception {
        ObjectMasker masker = new ObjectMasker(selfie, ObjectMasker.Policy.measured());
        Mat image = frames.get(2).image();
        assertThat(BOXES.get(2)).isNotEmpty();
        int[] b = BOXES.get(2).get(0);
        long expected = masker.mask(image, b[0], b[1], b[2], b[3], Method.PERSON_MODEL).area();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(pool.submit(() -> masker.mask(image, b[0], b[1], b[2], b[3], Method.PERSON_MODEL).area()));
            }
            for (Future<Long> f : futures) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
