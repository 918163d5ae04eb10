package io.framegrid.gpunode.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.HISTCMP_BHATTACHARYYA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.calcHist;
import static org.bytedeco.opencv.global.opencv_imgproc.compareHist;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_photo.INPAINT_TELEA;
import static org.bytedeco.opencv.global.opencv_photo.inpaint;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/**
 * Each CPU twin against the OpenCV reference on real frames. Tolerances: preprocessing ≤ 1 grey level per value
 * (OpenCV resizes with 11-bit fixed-point weights, the twin in float) and mean ≤ 0.15 levels; B/G/R histograms
 * exact; luma uses the classic 14-bit BT.601 weights, which differ from OpenCV 4.13's cvtColor by one level on
 * ~0.3% of pixels, so luma bins within 0.5% of the pixel count, mean luma difference within 0.01 levels,
 * changed-pixel share within 0.1%, histogram distance within 2e-3; inpainting within 12 levels of OpenCV's
 * Telea inside the mask, and no worse than Telea + 3 levels against the true pixels.
 */
class CpuKernelsVsOpenCvTest {

    final FrameKernels cpu = kernels();

    /** The implementation under test; {@code OpenCvKernelsVsOpenCvTest} runs the same checks on the CPU path. */
    FrameKernels kernels() {
        return new CpuFrameKernels();
    }

    @Test
    void preprocessMatchesOpenCvLetterbox() {
        List<Mat> frames = KernelFixtures.vtestFrames(100, 102);
        PreprocessSpec spec = PreprocessSpec.yolox(416, 416);
        TensorBatch batch = cpu.preprocess(frames, spec);
        assertThat(batch.shape()).containsExactly(2, 3, 416, 416);
        for (int n = 0; n < frames.size(); n++) {
            Letterbox box = batch.letterboxes().get(n);
            assertThat(box.newWidth()).isEqualTo(416);
            assertThat(box.newHeight()).isEqualTo(312);
            Mat resized = new Mat();
            resize(frames.get(n), resized, new Size(box.newWidth(), box.newHeight()), 0, 0, INTER_LINEAR);
            Mat padded = new Mat();
            copyMakeBorder(resized, padded, 0, 416 - box.newHeight(), 0, 416 - box.newWidth(), BORDER_CONSTANT,
                    new Scalar(114, 114, 114, 0));
            float[] hwc = KernelFixtures.floats(padded);
            float[] chw = batch.slice(n);
            double maxDiff = 0;
            double sum = 0;
            for (int y = 0; y < 416; y++) {
                for (int x = 0; x < 416; x++) {
                    for (int c = 0; c < 3; c++) {
                        double d = Math.abs(hwc[(y * 416 + x) * 3 + c] - chw[c * 416 * 416 + y * 416 + x]);
                        maxDiff = Math.max(maxDiff, d);
                        sum += d;
                    }
                }
            }
            assertThat(maxDiff).isLessThanOrEqualTo(1.0);
            assertThat(sum / (416 * 416 * 3)).isLessThan(0.15);
        }
    }

    @Test
    void preprocessNormalisesAndSwapsChannels() {
        Mat frame = KernelFixtures.image("fruits.jpg");
        PreprocessSpec spec = new PreprocessSpec(frame.cols(), frame.rows(), false, false, 0, true, 1 / 255f,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
        float[] chw = cpu.preprocess(List.of(frame), spec).data();
        byte[] px = MatBytes.bgr(frame);
        int plane = frame.cols() * frame.rows();
        // Same size: no resampling, so the values are exact: R first, (v/255 - 0.5) / 0.25.
        for (int i : new int[] {0, 1234, plane - 1}) {
            assertThat(chw[i]).isCloseTo(((px[i * 3 + 2] & 0xff) / 255f - 0.5f) / 0.25f, offset(1e-5f));
            assertThat(chw[2 * plane + i]).isCloseTo(((px[i * 3] & 0xff) / 255f - 0.5f) / 0.25f, offset(1e-5f));
        }
    }

    @Test
    void histogramsAndDistanceMatchOpenCv() {
        List<Mat> frames = KernelFixtures.vtestFrames(200, 202);
        int bins = 32;
        float[][] ours = new float[2][];
        Mat[][] theirs = new Mat[2][4];
        for (int f = 0; f < 2; f++) {
            Mat frame = frames.get(f);
            ours[f] = cpu.histogram(frame, bins);
            Mat gray = new Mat();
            cvtColor(frame, gray, COLOR_BGR2GRAY);
            for (int c = 0; c < 4; c++) {
                Mat hist = new Mat();
                Mat src = c < 3 ? frame : gray;
                calcHist(src, 1, new IntPointer(new int[] {c < 3 ? c : 0}), new Mat(), hist, 1,
                        new IntPointer(new int[] {bins}), new FloatPointer(0f, 256f));
                theirs[f][c] = hist;
                float[] counts = new float[bins];
                new FloatPointer(hist.data()).get(counts);
                // B, G, R counts are exact; luma may differ by one level on a few pixels (see class comment).
                float tolerance = c < 3 ? 0.5f : 0.005f * frame.total();
                for (int b = 0; b < bins; b++) {
                    assertThat(ours[f][c * bins + b] * frame.total()).isCloseTo(counts[b], offset(tolerance));
                }
            }
        }
        double reference = 0;
        for (int c = 0; c < 4; c++) {
            reference += compareHist(theirs[0][c], theirs[1][c], HISTCMP_BHATTACHARYYA) / 4;
        }
        assertThat(Histograms.distance(ours[0], ours[1], bins)).isCloseTo(reference, offset(2e-3));
        assertThat(Histograms.distance(ours[0], ours[0], bins)).isCloseTo(0, offset(1e-6));
    }

    @Test
    void histogramDistanceSeparatesShots() {
        float[] street1 = cpu.histogram(KernelFixtures.vtestFrames(10, 11).get(0), 32);
        float[] street2 = cpu.histogram(KernelFixtures.vtestFrames(11, 12).get(0), 32);
        float[] fruits = cpu.histogram(KernelFixtures.image("fruits.jpg"), 32);
        assertThat(Histograms.distance(street1, street2, 32)).isLessThan(0.05);
        assertThat(Histograms.distance(street1, fruits, 32)).isGreaterThan(0.3);
    }

    @Test
    void frameDifferenceMatchesOpenCv() {
        List<Mat> frames = KernelFixtures.vtestFrames(300, 302);
        MotionStats ours = cpu.frameDifference(frames.get(0), frames.get(1), 15);
        Mat g0 = new Mat();
        Mat g1 = new Mat();
        cvtColor(frames.get(0), g0, COLOR_BGR2GRAY);
        cvtColor(frames.get(1), g1, COLOR_BGR2GRAY);
        Mat diff = new Mat();
        absdiff(g0, g1, diff);
        assertThat(ours.meanAbsDiff()).isCloseTo(mean(diff).get(0), offset(0.01));
        Mat changed = new Mat();
        threshold(diff, changed, 15, 255, THRESH_BINARY);
        assertThat(ours.changedFraction()).isCloseTo((double) countNonZero(changed) / diff.total(), offset(1e-3));
        assertThat(ours.meanAbsDiff()).isGreaterThan(0);
        assertThat(cpu.frameDifference(frames.get(0), frames.get(0), 15).meanAbsDiff()).isZero();
    }

    @Test
    void inpaintFillIsCloseToOpenCvTelea() {
        Mat frame = KernelFixtures.vtestFrames(50, 51).get(0);
        Rect[] holes = {new Rect(100, 40, 40, 10), new Rect(600, 500, 12, 30)};
        Mat mask = KernelFixtures.mask(frame, holes);
        Mat ours = cpu.inpaint(frame, mask);
        Mat telea = new Mat();
        inpaint(frame, mask, telea, 3, INPAINT_TELEA);
        double oursVsTelea = maskedMeanAbs(ours, telea, mask);
        double oursVsTruth = maskedMeanAbs(ours, frame, mask);
        double teleaVsTruth = maskedMeanAbs(telea, frame, mask);
        assertThat(oursVsTelea).isLessThan(12);
        assertThat(oursVsTruth).isLessThan(teleaVsTruth + 3);
        // Pixels outside the mask are untouched.
        Mat outside = new Mat();
        org.bytedeco.opencv.global.opencv_core.bitwise_not(mask, outside);
        assertThat(maskedMeanAbs(ours, frame, outside)).isZero();
    }

    static double maskedMeanAbs(Mat a, Mat b, Mat mask) {
        Mat diff = new Mat();
        absdiff(a, b, diff);
        Scalar m = mean(diff, mask);
        return (m.get(0) + m.get(1) + m.get(2)) / 3;
    }
}
