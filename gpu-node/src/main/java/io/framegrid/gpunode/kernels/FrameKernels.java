package io.framegrid.gpunode.kernels;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The engine's pixel kernels. Implementations (CUDA, CPU twin) share one contract; inputs are 8-bit BGR
 * {@link Mat}s, masks 8-bit single-channel (non-zero = fill).
 */
public interface FrameKernels {

    /** {@code cuda} or {@code cpu}. */
    String backend();

    /** Letterbox-resizes, reorders, normalises and stacks the frames into one CHW float tensor. */
    TensorBatch preprocess(List<Mat> frames, PreprocessSpec spec);

    /**
     * B, G, R and luma histograms with {@code bins} bins each (bin = value × bins / 256), every channel
     * normalised to sum 1; layout {@code [channel * bins + bin]}.
     */
    float[] histogram(Mat frame, int bins);

    /** Fills masked pixels from their surroundings; returns a new image. Meant for small regions (text). */
    Mat inpaint(Mat frame, Mat mask);

    /** Luma difference between two frames of the same size. */
    MotionStats frameDifference(Mat previous, Mat current, int threshold);

    /**
     * Sharpness of an 8-bit single-channel image: the variance of its Laplacian (3×3 {@code [0 1 0; 1 -4 1; 0 1 0]},
     * edges replicated). Blur removes the high frequencies the Laplacian answers to, so a blurred frame scores low.
     */
    double laplacianVariance(Mat grey);
}
