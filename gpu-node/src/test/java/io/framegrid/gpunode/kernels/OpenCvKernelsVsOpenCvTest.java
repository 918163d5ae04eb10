package io.framegrid.gpunode.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

/**
 * The CPU path ({@link OpenCvFrameKernels}) under the same contract checks as the twins (inherited), and directly
 * against the twins, which define the CUDA kernels' contract: the tensor layout, letterboxes and normalisation, the
 * histogram layout and normalisation, motion figures, and an inpaint that leaves unmasked pixels alone.
 */
class OpenCvKernelsVsOpenCvTest extends CpuKernelsVsOpenCvTest {

    private final FrameKernels twin = new CpuFrameKernels();

    @Override
    FrameKernels kernels() {
        return new OpenCvFrameKernels();
    }

    @Test
    void agreesWithTheTwinsWithinTheContract() {
        List<Mat> frames = KernelFixtures.vtestFrames(400, 402);
        for (PreprocessSpec spec : List.of(PreprocessSpec.yolox(416, 416), PreprocessSpec.paddleDb(320, 320),
                PreprocessSpec.rgbUnit(256, 256), new PreprocessSpec(416, 416, true, true, 0f, true, 1 / 255f,
                        new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.6f, 0.7f}))) {
            TensorBatch ours = cpu.preprocess(frames, spec);
            TensorBatch reference = twin.preprocess(frames, spec);
            assertThat(ours.shape()).containsExactly(reference.shape());
            assertThat(ours.letterboxes()).isEqualTo(reference.letterboxes());
            // One grey level, in the spec's normalised units.
            float level = spec.scale() / Math.min(spec.std()[0], Math.min(spec.std()[1], spec.std()[2]));
            double sum = 0;
            for (int i = 0; i < ours.data().length; i++) {
                assertThat(ours.data()[i]).isCloseTo(reference.data()[i], offset(level * 1.0001f));
                sum += Math.abs(ours.data()[i] - reference.data()[i]);
            }
            assertThat(sum / ours.data().length).isLessThan(0.15 * level);
        }
        float[] h = cpu.histogram(frames.get(0), 32);
        float[] href = twin.histogram(frames.get(0), 32);
        for (int i = 0; i < 3 * 32; i++) {
            assertThat(h[i]).isEqualTo(href[i]); // B, G, R exact
        }
        for (int i = 3 * 32; i < 4 * 32; i++) {
            assertThat(h[i]).isCloseTo(href[i], offset(0.005f));
        }
        MotionStats m = cpu.frameDifference(frames.get(0), frames.get(1), 15);
        MotionStats mref = twin.frameDifference(frames.get(0), frames.get(1), 15);
        assertThat(m.meanAbsDiff()).isCloseTo(mref.meanAbsDiff(), offset(0.01));
        assertThat(m.changedFraction()).isCloseTo(mref.changedFraction(), offset(1e-3));
    }

    @Test
    void refusesWhatTheTwinsRefuse() {
        Mat frame = KernelFixtures.vtestFrames(10, 11).get(0);
        Mat small = new Mat(frame, new Rect(0, 0, 100, 100)).clone();
        assertThatThrownBy(() -> cpu.frameDifference(frame, small, 15)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cpu.inpaint(frame, KernelFixtures.mask(small)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cpu.histogram(KernelFixtures.mask(small), 32))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
