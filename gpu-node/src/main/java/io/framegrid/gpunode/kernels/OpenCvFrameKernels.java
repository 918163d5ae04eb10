package io.framegrid.gpunode.kernels;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_photo;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The kernels' CPU path: the same {@link FrameKernels} contract as the CUDA kernels, computed with OpenCV's
 * vectorised routines because on the CPU they are several times faster than the plain-Java twins
 * ({@link CpuFrameKernels}, which keep the CUDA kernels' exact arithmetic and stay the reference in tests).
 *
 * <p>Differences to the twins, all within the tolerances {@code CpuKernelsVsOpenCvTest} checks: preprocessing
 * resamples with OpenCV's fixed-point bilinear weights (≤ 1 grey level), luma is OpenCV's {@code cvtColor} (one
 * level apart from the twins' 14-bit weights on ~0.3 % of pixels), and inpainting is OpenCV's Telea fill (the
 * twins' onion peel is shaped for the GPU).
 */
public final class OpenCvFrameKernels implements FrameKernels {

    /** Telea neighbourhood radius: text-sized regions, as the twin's contract assumes. */
    static final double INPAINT_RADIUS = 3;

    private final CpuFrameKernels twin = new CpuFrameKernels();

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public TensorBatch preprocess(List<Mat> frames, PreprocessSpec spec) {
        float pad = spec.padValue();
        if (pad != Math.rint(pad) || pad < 0 || pad > 255) {
            return twin.preprocess(frames, spec); // a fractional pad cannot live in 8-bit pixels
        }
        int w = spec.width();
        int h = spec.height();
        int plane = w * h;
        float[] out = new float[frames.size() * 3 * plane];
        List<Letterbox> boxes = new ArrayList<>(frames.size());
        // Every output value is a function of one 8-bit input value and its channel: a 256-entry table each.
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            int source = spec.swapRB() ? 2 - c : c;
            for (int v = 0; v < 256; v++) {
                lut[source][v] = (v * spec.scale() - spec.mean()[c]) / spec.std()[c];
            }
        }
        int[] target = new int[3];
        for (int c = 0; c < 3; c++) {
            target[spec.swapRB() ? 2 - c : c] = c * plane;
        }
        byte[] px = new byte[plane * 3];
        try (Mat canvas = new Mat(h, w, CV_8UC3, new Scalar(pad, pad, pad, 0))) {
            for (int n = 0; n < frames.size(); n++) {
                Mat frame = frames.get(n);
                MatBytes.requireBgr(frame);
                Letterbox box = spec.letterboxFor(frame.cols(), frame.rows());
                boxes.add(box);
                if (n > 0) {
                    canvas.put(new Scalar(pad, pad, pad, 0));
                }
                try (Mat roi = new Mat(canvas, new Rect(box.offX(), box.offY(), box.newWidth(), box.newHeight()))) {
                    opencv_imgproc.resize(frame, roi, new Size(box.newWidth(), box.newHeight()), 0, 0, INTER_LINEAR);
                }
                canvas.data().get(px);
                int base = n * 3 * plane;
                int b0 = base + target[0];
                int b1 = base + target[1];
                int b2 = base + target[2];
                float[] l0 = lut[0];
                float[] l1 = lut[1];
                float[] l2 = lut[2];
                for (int i = 0, j = 0; i < plane; i++, j += 3) {
                    out[b0 + i] = l0[px[j] & 0xff];
                    out[b1 + i] = l1[px[j + 1] & 0xff];
                    out[b2 + i] = l2[px[j + 2] & 0xff];
                }
            }
        }
        return new TensorBatch(out, frames.size(), 3, h, w, List.copyOf(boxes));
    }

    @Override
    public float[] histogram(Mat frame, int bins) {
        MatBytes.requireBgr(frame);
        float[] out = new float[4 * bins];
        float[] counts = new float[bins];
        double pixels = frame.total();
        try (Mat grey = new Mat(); IntPointer size = new IntPointer(new int[] {bins}); FloatPointer range = new FloatPointer(0f, 256f)) {
            opencv_imgproc.cvtColor(frame, grey, COLOR_BGR2GRAY);
            for (int c = 0; c < 4; c++) {
                try (Mat hist = new Mat(); Mat noMask = new Mat(); IntPointer channel = new IntPointer(new int[] {c < 3 ? c : 0})) {
                    opencv_imgproc.calcHist(c < 3 ? frame : grey, 1, channel, noMask, hist, 1, size, range);
                    new FloatPointer(hist.data()).get(counts);
                }
                for (int b = 0; b < bins; b++) {
                    out[c * bins + b] = (float) (counts[b] / pixels);
                }
            }
        }
        return out;
    }

    @Override
    public Mat inpaint(Mat frame, Mat mask) {
        MatBytes.requireBgr(frame);
        MatBytes.requireMask(mask);
        if (mask.cols() != frame.cols() || mask.rows() != frame.rows()) {
            throw new IllegalArgumentException("mask size differs from the frame");
        }
        Mat out = new Mat();
        opencv_photo.inpaint(frame, mask, out, INPAINT_RADIUS, opencv_photo.INPAINT_TELEA);
        return out;
    }

    @Override
    public MotionStats frameDifference(Mat previous, Mat current, int threshold) {
        MatBytes.requireBgr(previous);
        MatBytes.requireBgr(current);
        if (previous.cols() != current.cols() || previous.rows() != current.rows()) {
            throw new IllegalArgumentException("frames differ in size");
        }
        try (Mat g0 = new Mat(); Mat g1 = new Mat(); Mat diff = new Mat(); Mat changed = new Mat()) {
            opencv_imgproc.cvtColor(previous, g0, COLOR_BGR2GRAY);
            opencv_imgproc.cvtColor(current, g1, COLOR_BGR2GRAY);
            opencv_core.absdiff(g0, g1, diff);
            double pixels = diff.total();
            double mean = opencv_core.sumElems(diff).get(0) / pixels;
            opencv_imgproc.threshold(diff, changed, threshold, 255, THRESH_BINARY);
            return new MotionStats(mean, opencv_core.countNonZero(changed) / pixels);
        }
    }

    @Override
    public double laplacianVariance(Mat grey) {
        MatBytes.requireMask(grey);
        return io.framegrid.gpunode.engine.sharpness.LaplacianVariance.of(grey);
    }
}
