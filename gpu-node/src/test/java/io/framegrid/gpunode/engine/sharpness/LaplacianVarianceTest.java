package io.framegrid.gpunode.engine.sharpness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;

import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/** The OpenCV path equals the plain-Java reference; blur lowers the score. */
class LaplacianVarianceTest {
    @Test
    void matchesTheReferenceAndBlurScoresLower() {
        int w = 97;
        int h = 61;
        byte[] pixels = new byte[w * h];
        new Random(7).nextBytes(pixels);
        try (Mat grey = new Mat(h, w, CV_8UC1); Mat blurred = new Mat()) {
            grey.data().put(pixels);
            double sharp = LaplacianVariance.of(grey);
            assertThat(sharp).isCloseTo(LaplacianVariance.reference(pixels, w, h), withPercentage(0.01));
            GaussianBlur(grey, blurred, new Size(5, 5), 1.5);
            byte[] b = new byte[w * h];
            ((BytePointer) blurred.data()).get(b);
            double soft = LaplacianVariance.of(blurred);
            assertThat(soft).isCloseTo(LaplacianVariance.reference(b, w, h), withPercentage(0.01));
            assertThat(soft).isLessThan(sharp / 10);
        }
    }

    @Test
    void everyKernelBackendOnTheCpuAgreesAndRefusesAColourImage() {
        int w = 64;
        int h = 48;
        byte[] pixels = new byte[w * h];
        new Random(11).nextBytes(pixels);
        try (Mat grey = new Mat(h, w, CV_8UC1); Mat colour = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_8UC3)) {
            grey.data().put(pixels);
            double twin = new io.framegrid.gpunode.kernels.CpuFrameKernels().laplacianVariance(grey);
            double opencv = new io.framegrid.gpunode.kernels.OpenCvFrameKernels().laplacianVariance(grey);
            assertThat(opencv).isCloseTo(twin, withPercentage(0.01));
            assertThat(twin).isEqualTo(LaplacianVariance.reference(pixels, w, h));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new io.framegrid.gpunode.kernels.OpenCvFrameKernels().laplacianVariance(colour))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
