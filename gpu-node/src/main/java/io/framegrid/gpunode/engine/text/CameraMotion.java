package io.framegrid.gpunode.engine.text;

import static org.bytedeco.opencv.global.opencv_calib3d.RANSAC;
import static org.bytedeco.opencv.global.opencv_calib3d.estimateAffinePartial2D;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.NORM_HAMMING;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.phaseCorrelate;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.DMatchVector;
import org.bytedeco.opencv.opencv_core.KeyPointVector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2d;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_features2d.BFMatcher;
import org.bytedeco.opencv.opencv_features2d.ORB;

/**
 * Camera motion between two frames as a 3×3 matrix (row-major, mapping the first frame's pixel coordinates to the
 * second's): ORB features on a grey copy at most {@value #WORK_WIDTH} px wide, text areas left out (burned-in text
 * does not move with the scene and would pin the estimate to "still"), cross-checked Hamming matches and a RANSAC
 * similarity (rotation, uniform scale, translation: pans, zooms, rolls). A full homography was tried first: between
 * frames a few pixels apart it overfits the matches (steps off by up to 6 px on a 2 px/frame pan of vtest.avi), and
 * chained over 40 frames that drifted by 10 px. With too few inliers, the translation from phase correlation;
 * near-still results snap to the identity, so a static camera copies pixels exactly. Thread-safe (no shared state).
 */
public final class CameraMotion {

    static final int WORK_WIDTH = 480;
    private static final int MIN_INLIERS = 12;
    private static final double STILL_PIXELS = 0.25;
    public static final double[] IDENTITY = {1, 0, 0, 0, 1, 0, 0, 0, 1};

    /** A grey working copy of a frame with its text areas excluded, ready for {@link #between}. */
    public static final class View {
        final Mat grey;
        final Mat featureMask;
        final double scale;
        final int width;
        final int height;
        KeyPointVector keypoints;
        Mat descriptors;

        View(Mat grey, Mat featureMask, double scale, int width, int height) {
            this.grey = grey;
            this.featureMask = featureMask;
            this.scale = scale;
            this.width = width;
            this.height = height;
        }
    }

    /** Prepares a BGR frame; {@code textAreas} (frame pixels) are left out of feature detection. */
    public View view(Mat bgr, List<TextBox> textAreas) {
        double scale = Math.min(1.0, (double) WORK_WIDTH / bgr.cols());
        Mat grey = new Mat();
        cvtColor(bgr, grey, COLOR_BGR2GRAY);
        if (scale < 1) {
            Mat small = new Mat();
            resize(grey, small, new Size((int) Math.round(bgr.cols() * scale), (int) Math.round(bgr.rows() * scale)),
                    0, 0, INTER_AREA);
            grey = small;
        }
        Mat mask = new Mat(grey.rows(), grey.cols(), CV_8UC1, new Scalar(255));
        for (TextBox b : textAreas) {
            int x0 = (int) Math.floor(b.x() * scale);
            int y0 = (int) Math.floor(b.y() * scale);
            int x1 = (int) Math.ceil(b.right() * scale);
            int y1 = (int) Math.ceil(b.bottom() * scale);
            TextBox s = new TextBox(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)).clip(grey.cols(), grey.rows());
            if (s.area() > 0) {
                new Mat(mask, new Rect(s.x(), s.y(), s.width(), s.height())).put(new Scalar(0));
            }
        }
        View view = new View(grey, mask, scale, bgr.cols(), bgr.rows());
        ORB orb = ORB.create(600, 1.2f, 6, 15, 0, 2, ORB.HARRIS_SCORE, 15, 12);
        view.keypoints = new KeyPointVector();
        view.descriptors = new Mat();
        orb.detectAndCompute(grey, mask, view.keypoints, view.descriptors);
        orb.close();
        return view;
    }

    /** The homography taking {@code a}'s pixel coordinates to {@code b}'s (full-frame pixels). */
    public double[] between(View a, View b) {
        double[] h = features(a, b);
        if (h == null) {
            h = translation(a, b);
        }
        return still(h, a.width, a.height) ? IDENTITY.clone() : h;
    }

    private static double[] features(View a, View b) {
        if (a.descriptors.empty() || b.descriptors.empty() || a.keypoints.size() < MIN_INLIERS
                || b.keypoints.size() < MIN_INLIERS) {
            return null;
        }
        DMatchVector matches = new DMatchVector();
        try (BFMatcher matcher = new BFMatcher(NORM_HAMMING, true)) {
            matcher.match(a.descriptors, b.descriptors, matches);
        }
        int n = (int) matches.size();
        if (n < MIN_INLIERS) {
            return null;
        }
        Mat src = new Mat(n, 1, CV_32FC2);
        Mat dst = new Mat(n, 1, CV_32FC2);
        float[] sp = new float[2 * n];
        float[] dp = new float[2 * n];
        for (int i = 0; i < n; i++) {
            var m = matches.get(i);
            var pa = a.keypoints.get(m.queryIdx()).pt();
            var pb = b.keypoints.get(m.trainIdx()).pt();
            sp[2 * i] = (float) (pa.x() / a.scale);
            sp[2 * i + 1] = (float) (pa.y() / a.scale);
            dp[2 * i] = (float) (pb.x() / b.scale);
            dp[2 * i + 1] = (float) (pb.y() / b.scale);
        }
        new FloatPointer(src.data()).put(sp);
        new FloatPointer(dst.data()).put(dp);
        Mat inliers = new Mat();
        Mat m = estimateAffinePartial2D(src, dst, inliers, RANSAC, 1.5 / Math.min(a.scale, 1.0), 2000, 0.995, 10);
        if (m == null || m.empty() || m.type() != CV_64F || countNonZero(inliers) < MIN_INLIERS) {
            return null;
        }
        double[] out = new double[9];
        DoubleIndexer idx = m.createIndexer();
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                out[r * 3 + c] = idx.get(r, c);
            }
        }
        idx.close();
        out[8] = 1;
        return out;
    }

    private static double[] translation(View a, View b) {
        Mat fa = new Mat();
        Mat fb = new Mat();
        a.grey.convertTo(fa, org.bytedeco.opencv.global.opencv_core.CV_32F);
        b.grey.convertTo(fb, org.bytedeco.opencv.global.opencv_core.CV_32F);
        double[] response = new double[1];
        Point2d shift = phaseCorrelate(fa, fb, new Mat(), response);
        if (response[0] < 0.05) {
            return IDENTITY.clone();
        }
        return new double[] {1, 0, shift.x() / a.scale, 0, 1, shift.y() / a.scale, 0, 0, 1};
    }

    /** True when {@code h} moves no corner of a {@code w × h} frame by more than a quarter pixel. */
    static boolean still(double[] h, int w, int hgt) {
        double[][] corners = {{0, 0}, {w, 0}, {0, hgt}, {w, hgt}};
        for (double[] c : corners) {
            double[] p = apply(h, c[0], c[1]);
            if (Math.abs(p[0] - c[0]) > STILL_PIXELS || Math.abs(p[1] - c[1]) > STILL_PIXELS) {
                return false;
            }
        }
        return true;
    }

    static double[] apply(double[] h, double x, double y) {
        double z = h[6] * x + h[7] * y + h[8];
        return new double[] {(h[0] * x + h[1] * y + h[2]) / z, (h[3] * x + h[4] * y + h[5]) / z};
    }

    /** {@code a · b} (apply b, then a). */
    public static double[] compose(double[] a, double[] b) {
        double[] out = new double[9];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
            }
        }
        return out;
    }

    public static double[] invert(double[] m) {
        double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if (Math.abs(det) < 1e-12) {
            return IDENTITY.clone();
        }
        return new double[] {
            (e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det,
            (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det,
            (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det};
    }
}
