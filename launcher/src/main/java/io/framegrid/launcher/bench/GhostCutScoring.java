package io.framegrid.launcher.bench;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.multiply;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import io.framegrid.gpunode.kernels.MatBytes;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The GhostCut benchmark's reference: synthetic text burned onto real frames (so the clean frame is known) and
 * PSNR / SSIM of a result against the clean frame, counted only inside the erase masks.
 */
final class GhostCutScoring {

    private GhostCutScoring() {
    }

    /** White text with a dark outline, as subtitles are drawn; returns the copy and the pixels the text changed. */
    static Mat[] burn(Mat clean, String text, int x, int baseline, double scale) {
        Mat out = clean.clone();
        int thick = Math.max(1, (int) Math.round(scale * 2));
        putText(out, text, new Point(x, baseline), FONT_HERSHEY_SIMPLEX, scale, new Scalar(20, 20, 20, 0), thick + 3,
                LINE_AA, false);
        putText(out, text, new Point(x, baseline), FONT_HERSHEY_SIMPLEX, scale, new Scalar(245, 245, 245, 0), thick,
                LINE_AA, false);
        Mat diff = new Mat();
        absdiff(out, clean, diff);
        Mat grey = new Mat();
        cvtColor(diff, grey, COLOR_BGR2GRAY);
        Mat changed = new Mat();
        threshold(grey, changed, 0, 255, THRESH_BINARY);
        return new Mat[] {out, changed};
    }

    /** Squared error sum and sample count inside the mask (all three channels). */
    static double[] squaredError(Mat result, Mat truth, Mat mask) {
        byte[] a = MatBytes.bgr(result);
        byte[] b = MatBytes.bgr(truth);
        byte[] m = MatBytes.mask(mask);
        double se = 0;
        long n = 0;
        for (int p = 0; p < m.length; p++) {
            if (m[p] != 0) {
                for (int c = 0; c < 3; c++) {
                    double d = (a[p * 3 + c] & 0xff) - (b[p * 3 + c] & 0xff);
                    se += d * d;
                }
                n += 3;
            }
        }
        return new double[] {se, n};
    }

    static double psnr(double se, double n) {
        return n == 0 ? Double.NaN : 10 * Math.log10(255.0 * 255.0 / Math.max(1e-9, se / n));
    }

    /** Sum of the SSIM map (grey, Gaussian 11×11, σ 1.5) over masked pixels, and their count. */
    static double[] ssim(Mat result, Mat truth, Mat mask) {
        Mat x = grey(result);
        Mat y = grey(truth);
        Size k = new Size(11, 11);
        Mat mx = blur(x, k);
        Mat my = blur(y, k);
        Mat xx = blur(mul(x, x), k);
        Mat yy = blur(mul(y, y), k);
        Mat xy = blur(mul(x, y), k);
        float[] fmx = floats(mx);
        float[] fmy = floats(my);
        float[] fxx = floats(xx);
        float[] fyy = floats(yy);
        float[] fxy = floats(xy);
        byte[] m = MatBytes.mask(mask);
        double c1 = Math.pow(0.01 * 255, 2);
        double c2 = Math.pow(0.03 * 255, 2);
        double sum = 0;
        long n = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] != 0) {
                double ux = fmx[i];
                double uy = fmy[i];
                double vx = fxx[i] - ux * ux;
                double vy = fyy[i] - uy * uy;
                double cxy = fxy[i] - ux * uy;
                sum += ((2 * ux * uy + c1) * (2 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
                n++;
            }
        }
        return new double[] {sum, n};
    }

    private static Mat grey(Mat bgr) {
        Mat g = new Mat();
        cvtColor(bgr, g, COLOR_BGR2GRAY);
        Mat f = new Mat();
        g.convertTo(f, CV_32F);
        return f;
    }

    private static Mat blur(Mat m, Size k) {
        Mat out = new Mat();
        GaussianBlur(m, out, k, 1.5);
        return out;
    }

    private static Mat mul(Mat a, Mat b) {
        Mat out = new Mat();
        multiply(a, b, out);
        return out;
    }

    private static float[] floats(Mat m) {
        Mat c = m.isContinuous() ? m : m.clone();
        float[] out = new float[(int) c.total()];
        new FloatPointer(c.data()).get(out);
        return out;
    }

    static Mat emptyMask(int w, int h) {
        return new Mat(h, w, CV_8UC1, new Scalar(0));
    }

    /** Share of the text's changed pixels inside the mask, as {in, total}. */
    static long[] coverage(Mat changed, Mat mask) {
        byte[] c = MatBytes.mask(changed);
        byte[] m = MatBytes.mask(mask);
        long in = 0;
        long total = 0;
        for (int i = 0; i < c.length; i++) {
            if (c[i] != 0) {
                total++;
                if (m[i] != 0) {
                    in++;
                }
            }
        }
        return new long[] {in, total};
    }
}
