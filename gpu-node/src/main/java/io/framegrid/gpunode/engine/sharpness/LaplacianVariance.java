package io.framegrid.gpunode.engine.sharpness;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.meanStdDev;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Sharpness of a grey image as the variance of its Laplacian (3×3 kernel {@code [0 1 0; 1 -4 1; 0 1 0]}): blur
 * removes the high frequencies the Laplacian responds to, so a blurred or defocused frame scores low. The OpenCV
 * path and the plain-Java reference behind {@code FrameKernels#laplacianVariance}, whose CUDA kernel
 * ({@code sharpness.cu}) the reference holds to the same contract.
 */
public final class LaplacianVariance {
    private LaplacianVariance() {
    }

    /** The variance of the Laplacian of {@code grey} (8-bit, one channel). */
    public static double of(Mat grey) {
        try (Mat lap = new Mat(); Mat mean = new Mat(); Mat std = new Mat()) {
            Laplacian(grey, lap, CV_64F, 1, 1, 0, org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE);
            meanStdDev(lap, mean, std);
            double s = std.createIndexer() instanceof org.bytedeco.javacpp.indexer.DoubleIndexer d ? d.get(0) : 0;
            return s * s;
        }
    }

    /** The same sum in plain Java over a row-major 8-bit buffer: the reference the tests hold the OpenCV path to. */
    public static double reference(byte[] grey, int width, int height) {
        double sum = 0;
        double sumSq = 0;
        long n = (long) width * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int c = grey[y * width + x] & 0xff;
                int l = grey[y * width + Math.max(0, x - 1)] & 0xff;
                int r = grey[y * width + Math.min(width - 1, x + 1)] & 0xff;
                int u = grey[Math.max(0, y - 1) * width + x] & 0xff;
                int d = grey[Math.min(height - 1, y + 1) * width + x] & 0xff;
                double v = l + r + u + d - 4.0 * c;
                sum += v;
                sumSq += v * v;
            }
        }
        double mean = sum / n;
        return sumSq / n - mean * mean;
    }
}
