package io.framegrid.gpunode.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CUDA kernels against their CPU twins; skipped where no CUDA device (or no packaged PTX) is present.
 * Tolerances: preprocessing ≤ 1 level (a rounding tie may fall differently with fused multiply-add) and mean
 * ≤ 1e-3; histograms, frame difference and Laplacian variance exact; inpainting ≤ 1 level.
 */
class CudaKernelsTest {

    private static ComputeDevice device;
    private final FrameKernels cpu = new CpuFrameKernels();

    @BeforeAll
    static void detect() {
        device = ComputeDevice.detect(true);
    }

    @Test
    void preprocessMatchesCpuTwin() {
        assumeTrue(device.cudaAvailable(), device.description());
        List<Mat> frames = KernelFixtures.vtestFrames(100, 104);
        PreprocessSpec spec = PreprocessSpec.paddleDb(416, 320);
        float[] gpu = device.kernels().preprocess(frames, spec).data();
        float[] ref = cpu.preprocess(frames, spec).data();
        double max = 0;
        double sum = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(gpu[i] - ref[i]) * 0.229 * 255; // back to grey levels
            max = Math.max(max, d);
            sum += d;
        }
        assertThat(max).isLessThanOrEqualTo(1.0 + 1e-3);
        assertThat(sum / ref.length).isLessThan(1e-3);
    }

    @Test
    void histogramAndFrameDifferenceMatchExactly() {
        assumeTrue(device.cudaAvailable(), device.description());
        List<Mat> frames = KernelFixtures.vtestFrames(300, 302);
        assertThat(device.kernels().histogram(frames.get(0), 32)).containsExactly(cpu.histogram(frames.get(0), 32));
        MotionStats gpu = device.kernels().frameDifference(frames.get(0), frames.get(1), 15);
        MotionStats ref = cpu.frameDifference(frames.get(0), frames.get(1), 15);
        assertThat(gpu.meanAbsDiff()).isCloseTo(ref.meanAbsDiff(), offset(1e-12));
        assertThat(gpu.changedFraction()).isCloseTo(ref.changedFraction(), offset(1e-12));
    }

    @Test
    void inpaintMatchesCpuTwin() {
        assumeTrue(device.cudaAvailable(), device.description());
        Mat frame = KernelFixtures.vtestFrames(50, 51).get(0);
        Mat mask = KernelFixtures.mask(frame, new Rect(100, 40, 40, 10), new Rect(600, 500, 12, 30));
        Mat gpu = device.kernels().inpaint(frame, mask);
        Mat ref = cpu.inpaint(frame, mask);
        Mat diff = new Mat();
        org.bytedeco.opencv.global.opencv_core.absdiff(gpu, ref, diff);
        double[] max = new double[1];
        org.bytedeco.opencv.global.opencv_core.minMaxLoc(diff.reshape(1), null, max, null, null, null);
        assertThat(max[0]).isLessThanOrEqualTo(1.0);
    }

    @Test
    void laplacianVarianceMatchesCpuTwin() {
        assumeTrue(device.cudaAvailable(), device.description());
        Mat grey = new Mat();
        org.bytedeco.opencv.global.opencv_imgproc.cvtColor(KernelFixtures.vtestFrames(50, 51).get(0), grey,
                org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY);
        // Integer sums on the device: equal to the twin up to the double arithmetic of the final variance.
        assertThat(device.kernels().laplacianVariance(grey)).isCloseTo(cpu.laplacianVariance(grey), offset(1e-6));
    }
}
