package io.framegrid.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker.Method;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.SelfieSegmenter;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.launcher.bench.MaskScoring.Bucket;
import io.framegrid.launcher.bench.MaskScoring.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ObjectMasker}'s {@link ObjectMasker.Policy#measured() measured} policy against the measurement it came
 * from, the median-background reference of {@link MaskScoring}, on eight vtest.avi frames: a change to either
 * masking method that makes the policy's choice the worse one fails here, not only in a {@code framegrid bench
 * masks} report. Only ObjectMasker's public API is used, as the benchmark does.
 */
final class MaskPolicyTest {
    private static final Logger LOG = LoggerFactory.getLogger(MaskPolicyTest.class);

    private static Detector yolox;
    private static SelfieSegmenter selfie;
    private static Mat background;
    private static List<DecodedFrame> frames;

    @BeforeAll
    static void setUp() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        DetectorFactory factory = new DetectorFactory(registry, new CpuFrameKernels());
        yolox = factory.load(registry.find("yolox-nano").orElseThrow());
        selfie = (SelfieSegmenter) factory.load(registry.find("selfie-segmentation").orElseThrow());
        // A coarser median than the benchmark's (every 32nd frame, not every 8th): the reference stays usable and
        // the test decodes the video a quarter as often.
        background = MaskScoring.medianBackground(SharedFiles.media("vtest.avi"), 32);
        // Frames 50, 150, ..., 750: eight frames spread over the video.
        frames = new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"), FrameSampling.range(50, 800, 100));
    }

    @AfterAll
    static void tearDown() {
        frames.forEach(f -> f.image().close());
        background.close();
        selfie.close();
        yolox.close();
    }

    @Test
    void chosenMethodIsAtLeastAsAccurateAsTheOtherInEachBucketItIsChosenFor() {
        ObjectMasker masker = new ObjectMasker(selfie, ObjectMasker.Policy.measured());
        List<Sample> samples = new ArrayList<>();
        for (DecodedFrame f : frames) {
            Mat image = f.image();
            samples.addAll(MaskScoring.measure(masker, image, MaskScoring.foreground(image, background),
                    MaskScoring.personBoxes(yolox, image), f.index()));
        }
        assertThat(frames).hasSize(8);
        assertThat(samples).hasSizeGreaterThanOrEqualTo(10);
        int checked = 0;
        // Per measured height bucket with enough boxes here: the policy's method for that bucket is at least as
        // accurate as the other one (and both beat calling the whole box the object).
        for (Bucket bucket : MaskScoring.BUCKETS) {
            List<Sample> in = samples.stream().filter(s -> bucket.contains(s.h())).toList();
            if (in.size() < 5) {
                continue;
            }
            Method chosen = masker.methodFor("person", 1, Math.max(1, bucket.min()));
            assertThat(in).allMatch(s -> masker.methodFor("person", s.w(), s.h()) == chosen);
            double model = MaskBenchmark.mean(in, Sample::iouModel);
            double grabCut = MaskBenchmark.mean(in, Sample::iouGrabCut);
            double box = MaskBenchmark.mean(in, Sample::iouBox);
            double mine = chosen == Method.PERSON_MODEL ? model : grabCut;
            double other = chosen == Method.PERSON_MODEL ? grabCut : model;
            LOG.info(String.format(Locale.ROOT, "bucket %s: %d boxes, IoU model %.3f, GrabCut %.3f, box %.3f",
                    bucket.label(), in.size(), model, grabCut, box));
            assertThat(mine).as("%s for %s px on %d boxes (model %.3f, GrabCut %.3f)", chosen, bucket.label(),
                    in.size(), model, grabCut).isGreaterThanOrEqualTo(other);
            assertThat(Math.min(model, grabCut)).isGreaterThan(box + 0.05);
            checked++;
        }
        assertThat(checked).isPositive();
    }
}
