package io.framegrid.gpunode.engine.text;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_photo.INPAINT_TELEA;
import static org.bytedeco.opencv.global.opencv_photo.inpaint;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.MatBytes;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/** Real vtest.avi frames with synthetic text burned in, and scoring inside masks. */
final class TextFixtures {

    private TextFixtures() {
    }

    /** vtest frames {@code from..from+n-1}. */
    static List<Mat> vtest(int from, int n) {
        return new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"), FrameSampling.range(from, from + n))
                .stream().map(DecodedFrame::image).toList();
    }

    /** A camera pan: a {@code w × h} window moving {@code dx} px right per frame over consecutive vtest frames. */
    static List<Mat> pan(int n, int w, int h, int dx, int y0) {
        List<Mat> out = new ArrayList<>();
        List<Mat> frames = vtest(0, n);
        for (int t = 0; t < n; t++) {
            out.add(new Mat(frames.get(t), new Rect(t * dx, y0, w, h)).clone());
        }
        return out;
    }

    /** Static camera: vtest frames scaled to {@code w × h}. */
    static List<Mat> still(int from, int n, int w, int h) {
        List<Mat> out = new ArrayList<>();
        for (Mat f : vtest(from, n)) {
            Mat s = new Mat();
            resize(f, s, new Size(w, h));
            out.add(s);
        }
        return out;
    }

    /**
     * Burns white text with a dark outline (as subtitles are drawn) onto a copy; returns the copy and the bounding
     * box of the pixels the text changed.
     */
    static Burned burn(Mat clean, String text, int x, int baseline, double scale) {
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
        Rect r = boundingRect(changed);
        return new Burned(out, new TextBox(r.x(), r.y(), r.width(), r.height()), changed);
    }

    record Burned(Mat frame, TextBox box, Mat changed) {
    }

    static Mat mask(List<TextBox> boxes, int w, int h) {
        return new TextMasks(0, 0).mask(boxes, w, h);
    }

    static Mat telea(Mat frame, Mat mask) {
        Mat out = new Mat();
        inpaint(frame, mask, out, 3, INPAINT_TELEA);
        return out;
    }

    /** PSNR (dB) over every masked pixel and channel of all frames, pooled. */
    static double psnr(List<Mat> result, List<Mat> truth, List<Mat> masks) {
        double se = 0;
        long n = 0;
        for (int i = 0; i < result.size(); i++) {
            byte[] a = MatBytes.bgr(result.get(i));
            byte[] b = MatBytes.bgr(truth.get(i));
            byte[] m = MatBytes.mask(masks.get(i));
            for (int p = 0; p < m.length; p++) {
                if (m[p] != 0) {
                    for (int c = 0; c < 3; c++) {
                        double d = (a[p * 3 + c] & 0xff) - (b[p * 3 + c] & 0xff);
                        se += d * d;
                    }
                    n += 3;
                }
            }
        }
        return n == 0 ? Double.NaN : 10 * Math.log10(255.0 * 255.0 / (se / n));
    }

    /** Share of the text's changed pixels that lie inside the mask. */
    static double coverage(Mat changed, Mat mask) {
        Mat both = new Mat();
        org.bytedeco.opencv.global.opencv_core.bitwise_and(changed, mask, both);
        int text = countNonZero(changed);
        return text == 0 ? 1 : (double) countNonZero(both) / text;
    }

    static Mat emptyMask(int w, int h) {
        return new Mat(h, w, CV_8UC1, new Scalar(0));
    }
}
