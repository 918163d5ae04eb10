package io.framegrid.launcher.bench;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * How {@code framegrid bench masks} scores segmentation masks without annotation: a median-background foreground
 * reference on a static-camera video, YOLOX person boxes, the boxes where that reference is meaningful, and IoU
 * inside a box. {@link MaskBenchmark} reports with it (and documents the method); {@code MaskPolicyTest} checks
 * {@code ObjectMasker}'s policy against it. It lives here, not in gpu-node, because it is measurement, not
 * something a gpu-node runs.
 */
final class MaskScoring {
    static final int FOREGROUND_THRESHOLD = 30;
    static final float PERSON_CONFIDENCE = 0.5f;

    /** A box-height range {@code [min, max)} in pixels. */
    record Bucket(String label, int min, int max) {
        boolean contains(int height) {
            return height >= min && height < max;
        }
    }

    static final List<Bucket> BUCKETS = List.of(new Bucket("< 40", 0, 40), new Bucket("40-60", 40, 60),
            new Bucket("60-80", 60, 80), new Bucket("80-100", 80, 100),
            new Bucket("100-150", 100, 150), new Bucket("150-200", 150, 200),
            new Bucket("200-300", 200, 300), new Bucket(">= 300", 300, Integer.MAX_VALUE));

    /** One scored person box: IoU (inside the box) of each method and of the box itself against the reference. */
    record Sample(long frame, int x, int y, int w, int h, double iouGrabCut, double iouModel, double iouBox,
            double outsideGrabCut, double outsideModel, long nanosGrabCut, long nanosModel) {}

    private MaskScoring() {
    }

    /** Per-pixel, per-channel median of every {@code every}th frame of a static-camera video (8-bit BGR). */
    static Mat medianBackground(Path video, int every) {
        List<byte[]> frames = new ArrayList<>();
        int[] size = new int[2];
        new MediaDecoder().decode(video, FrameSampling.everyNth(every), f -> {
            Mat m = f.image().isContinuous() ? f.image() : f.image().clone();
            byte[] b = new byte[(int) (m.total() * m.channels())];
            m.data().get(b);
            frames.add(b);
            size[0] = m.cols();
            size[1] = m.rows();
            return true;
        });
        int n = frames.size();
        int len = frames.get(0).length;
        byte[] median = new byte[len];
        int[] counts = new int[256];
        for (int i = 0; i < len; i++) {
            Arrays.fill(counts, 0);
            for (byte[] f : frames) {
                counts[f[i] & 0xff]++;
            }
            int half = n / 2;
            int acc = 0;
            int v = 0;
            while ((acc += counts[v]) <= half) {
                v++;
            }
            median[i] = (byte) v;
        }
        Mat bg = new Mat(size[1], size[0], org.bytedeco.opencv.global.opencv_core.CV_8UC3);
        bg.data().put(median);
        return bg;
    }

    /**
     * The foreground reference: 1 where a pixel's largest channel difference from the background exceeds
     * {@value #FOREGROUND_THRESHOLD}, after a 3×3 opening (noise) and a 7×7 closing (holes); row-major, one byte
     * per pixel.
     */
    static byte[] foreground(Mat frame, Mat background) {
        try (Mat diff = new Mat(); Mat grey = new Mat(); Mat bin = new Mat();
                Mat open = opencv_imgproc.getStructuringElement(MORPH_ELLIPSE, new Size(3, 3));
                Mat close = opencv_imgproc.getStructuringElement(MORPH_ELLIPSE, new Size(7, 7))) {
            org.bytedeco.opencv.global.opencv_core.absdiff(frame, background, diff);
            try (org.bytedeco.opencv.opencv_core.MatVector ch = new org.bytedeco.opencv.opencv_core.MatVector()) {
                org.bytedeco.opencv.global.opencv_core.split(diff, ch);
                org.bytedeco.opencv.global.opencv_core.max(ch.get(0), ch.get(1), grey);
                org.bytedeco.opencv.global.opencv_core.max(grey, ch.get(2), grey);
            }
            opencv_imgproc.threshold(grey, bin, FOREGROUND_THRESHOLD, 1, opencv_imgproc.THRESH_BINARY);
            opencv_imgproc.morphologyEx(bin, bin, MORPH_OPEN, open, new Point(-1, -1), 1, BORDER_CONSTANT,
                    opencv_imgproc.morphologyDefaultBorderValue());
            opencv_imgproc.morphologyEx(bin, bin, MORPH_CLOSE, close, new Point(-1, -1), 1, BORDER_CONSTANT,
                    opencv_imgproc.morphologyDefaultBorderValue());
            byte[] out = new byte[frame.cols() * frame.rows()];
            (bin.isContinuous() ? bin : bin.clone()).data().get(out);
            return out;
        }
    }

    /** YOLOX-Nano person boxes {@code {x, y, w, h}} (confidence ≥ 0.5), clipped to the frame. */
    static List<int[]> personBoxes(Detector yolox, Mat frame) {
        List<int[]> boxes = new ArrayList<>();
        for (Detection d : yolox.detect(List.of(frame), PERSON_CONFIDENCE).get(0)) {
            if (!"person".equals(d.className()) || d.confidence() < PERSON_CONFIDENCE) {
                continue;
            }
            int x = Math.max(0, Math.round(d.x()));
            int y = Math.max(0, Math.round(d.y()));
            int w = Math.min(frame.cols() - x, Math.round(d.width()));
            int h = Math.min(frame.rows() - y, Math.round(d.height()));
            if (w > 0 && h > 0) {
                boxes.add(new int[] {x, y, w, h});
            }
        }
        return boxes;
    }

    /** Boxes where the reference is meaningful: no other box overlaps > 5 % and the reference covers 15–95 %. */
    static Predicate<int[]> scorable(List<int[]> boxes, byte[] fg, int frameW) {
        return b -> {
            double area = (double) b[2] * b[3];
            for (int[] o : boxes) {
                if (o != b && intersection(b, o) > 0.05 * area) {
                    return false;
                }
            }
            double cover = count(fg, b, frameW) / area;
            return cover >= 0.15 && cover <= 0.95;
        };
    }

    /** Scores both methods (and the bare box) on each scorable box of one frame. */
    static List<Sample> measure(ObjectMasker masker, Mat image, byte[] fg, List<int[]> boxes, long frame) {
        int frameW = image.cols();
        List<Sample> out = new ArrayList<>();
        Predicate<int[]> ok = scorable(boxes, fg, frameW);
        for (int[] b : boxes) {
            if (!ok.test(b)) {
                continue;
            }
            long t0 = System.nanoTime();
            byte[] gc = masker.pixels(image, b[0], b[1], b[2], b[3], Method.GRABCUT);
            long t1 = System.nanoTime();
            byte[] model = masker.hasModel() ? masker.pixels(image, b[0], b[1], b[2], b[3], Method.PERSON_MODEL) : gc;
            long t2 = System.nanoTime();
            double ref = count(fg, b, frameW);
            double area = (double) b[2] * b[3];
            out.add(new Sample(frame, b[0], b[1], b[2], b[3], iou(gc, fg, b, frameW), iou(model, fg, b, frameW),
                    ref / area, outside(gc, b, frameW), outside(model, b, frameW), t1 - t0, t2 - t1));
        }
        return out;
    }

    /** IoU of mask and reference counted inside the box. */
    static double iou(byte[] mask, byte[] reference, int[] b, int frameW) {
        long inter = 0;
        long union = 0;
        for (int y = b[1]; y < b[1] + b[3]; y++) {
            int row = y * frameW;
            for (int x = b[0]; x < b[0] + b[2]; x++) {
                boolean m = mask[row + x] != 0;
                boolean r = reference[row + x] != 0;
                if (m && r) {
                    inter++;
                }
                if (m || r) {
                    union++;
                }
            }
        }
        return union == 0 ? 1 : (double) inter / union;
    }

    private static double outside(byte[] mask, int[] b, int frameW) {
        long total = 0;
        for (byte v : mask) {
            total += v != 0 ? 1 : 0;
        }
        return total == 0 ? 0 : (total - count(mask, b, frameW)) / (double) total;
    }

    private static long count(byte[] mask, int[] b, int frameW) {
        long n = 0;
        for (int y = b[1]; y < b[1] + b[3]; y++) {
            int row = y * frameW;
            for (int x = b[0]; x < b[0] + b[2]; x++) {
                if (mask[row + x] != 0) {
                    n++;
                }
            }
        }
        return n;
    }

    private static long intersection(int[] a, int[] b) {
        long w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
        long h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
        return w > 0 && h > 0 ? w * h : 0;
    }
}
