package io.framegrid.gpunode.bench;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.SelfieSegmenter;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker.Method;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Mask accuracy and cost ({@code framegrid bench masks}): GrabCut seeded by the box vs the person-segmentation model
 * on a crop, each scored by IoU against a reference that needs no annotation. vtest.avi has a static camera, so
 * the per-pixel median of many frames is the empty background; |frame − background| (largest channel difference
 * above {@value #FOREGROUND_THRESHOLD} grey levels), opened 3×3 and closed 7×7, is the foreground of moving
 * pedestrians. Person boxes come from YOLOX-Nano on the same frames (confidence ≥ 0.5). A box is scored only where
 * that reference is meaningful: the box overlaps no other person box by more than 5 % of its area (no mixing of
 * two people) and the reference covers 15–95 % of it (a person standing still is part of the median background).
 * IoU is taken inside the box — the reference knows nothing outside it — and the share of each mask lying outside
 * the box is reported beside it. The same frames upscaled 2× and 3× (bicubic; reference nearest-neighbour) stand
 * in for large persons, since no still image in the shared media has a reference mask.
 *
 * <pre>options: --shared DIR   --frames N (evaluation frames spread over the video, default 160)
 *          --background-every N (median over every Nth frame, default 8)
 *          --upscaled-frames N (of those, how many are also scored 2x and 3x upscaled; default 40, 0 = off)</pre>
 */
public final class MaskBenchmark {

    static final int FOREGROUND_THRESHOLD = 30;
    static final float PERSON_CONFIDENCE = 0.5f;
    /** Upscale factors standing in for larger persons than vtest.avi has. */
    static final int[] UPSCALES = {2, 3};

    /** A box-height range {@code [min, max)} in pixels. */
    public record Bucket(String label, int min, int max) {
        public boolean contains(int height) {
            return height >= min && height < max;
        }
    }

    public static final List<Bucket> BUCKETS = List.of(new Bucket("< 40", 0, 40), new Bucket("40-60", 40, 60),
            new Bucket("60-80", 60, 80), new Bucket("80-100", 80, 100),
            new Bucket("100-150", 100, 150), new Bucket("150-200", 150, 200),
            new Bucket("200-300", 200, 300), new Bucket(">= 300", 300, Integer.MAX_VALUE));

    /** One scored person box: IoU (inside the box) of each method and of the box itself against the reference. */
    public record Sample(long frame, int x, int y, int w, int h, double iouGrabCut, double iouModel, double iouBox,
            double outsideGrabCut, double outsideModel, long nanosGrabCut, long nanosModel) {}

    private MaskBenchmark() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the measurement, prints the report to stdout; 0, or 2 on bad arguments / missing files. */
    public static int run(String[] args) {
        Path shared = null;
        int frames = 160;
        int backgroundEvery = 8;
        int upscaled = 40;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--shared" -> shared = Path.of(args[++i]);
                    case "--frames" -> frames = Integer.parseInt(args[++i]);
                    case "--background-every" -> backgroundEvery = Integer.parseInt(args[++i]);
                    case "--upscaled-frames" -> upscaled = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (frames < 1 || backgroundEvery < 1 || upscaled < 0) {
                throw new IllegalArgumentException("counts must be positive");
            }
        } catch (RuntimeException e) {
            System.err.println("mask benchmark: " + e.getMessage());
            return 2;
        }
        if (shared != null) {
            System.setProperty("framegrid.shared", shared.toString());
        }
        Path root = SharedFiles.root();
        for (String f : List.of("media/vtest.avi", "models/yolox_nano.onnx", "models/selfie_segmentation.tflite")) {
            if (!root.resolve(f).toFile().isFile()) {
                System.err.println("mask benchmark: " + f + " not found under " + root);
                return 2;
            }
        }
        try {
            execute(System.out, root, frames, backgroundEvery, upscaled);
            return 0;
        } catch (Exception e) {
            e.printStackTrace();
            return 1;
        }
    }

    private static void execute(PrintStream out, Path root, int frames, int backgroundEvery, int upscaledFrames) {
        out.printf(Locale.ROOT, "Framegrid mask benchmark — %d cores, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Path video = root.resolve("media/vtest.avi");
        long t0 = System.nanoTime();
        Mat background = medianBackground(video, backgroundEvery);
        out.printf(Locale.ROOT, "background: per-pixel median of every %dth frame (%.1f s)%n", backgroundEvery,
                (System.nanoTime() - t0) / 1e9);
        ModelRegistry registry = new ModelRegistry(root.resolve("models"));
        DetectorFactory factory = new DetectorFactory(registry, ComputeDevice.cpuOnly().kernels());
        try (Detector yolox = factory.load(registry.find("yolox-nano").orElseThrow());
                SelfieSegmenter selfie = (SelfieSegmenter) factory.load(
                        registry.find("selfie-segmentation").orElseThrow())) {
            ObjectMasker masker = new ObjectMasker(selfie, ObjectMasker.Policy.measured());
            int step = Math.max(1, 795 / frames);
            List<DecodedFrame> eval = new MediaDecoder().decodeToList(video, FrameSampling.everyNth(step));
            // Warm-up: first GrabCut / model runs load code and allocate.
            warmUp(masker, eval.get(0).image());
            List<Sample> native1x = new ArrayList<>();
            List<List<Sample>> upscaled = new ArrayList<>();
            for (int k = 0; k < UPSCALES.length; k++) {
                upscaled.add(new ArrayList<>());
            }
            int used = 0;
            for (DecodedFrame f : eval) {
                if (used >= frames) {
                    break;
                }
                Mat image = f.image();
                List<int[]> boxes = personBoxes(yolox, image);
                byte[] fg = foreground(image, background);
                native1x.addAll(measure(masker, image, fg, boxes, f.index()));
                for (int k = 0; k < UPSCALES.length && used < upscaledFrames; k++) {
                    int s = UPSCALES[k];
                    try (Mat big = new Mat()) {
                        opencv_imgproc.resize(image, big, new Size(image.cols() * s, image.rows() * s), 0, 0,
                                INTER_CUBIC);
                        List<int[]> bigBoxes = boxes.stream()
                                .map(b -> new int[] {b[0] * s, b[1] * s, b[2] * s, b[3] * s}).toList();
                        upscaled.get(k).addAll(measure(masker, big, upscale(fg, image.cols(), image.rows(), s),
                                bigBoxes, f.index()));
                    }
                }
                used++;
            }
            eval.forEach(f -> f.image().close());
            out.println();
            out.printf(Locale.ROOT, "== vtest.avi, native 768x576: %d frames (every %dth), %d scored person boxes%n",
                    used, step, native1x.size());
            report(out, native1x);
            List<Sample> all = new ArrayList<>(native1x);
            for (int k = 0; k < UPSCALES.length; k++) {
                if (upscaled.get(k).isEmpty()) {
                    continue;
                }
                out.println();
                out.printf(Locale.ROOT, "== vtest.avi upscaled %dx (%dx%d, bicubic): first %d of those frames, "
                        + "%d scored boxes%n", UPSCALES[k], 768 * UPSCALES[k], 576 * UPSCALES[k],
                        Math.min(used, upscaledFrames), upscaled.get(k).size());
                report(out, upscaled.get(k));
                all.addAll(upscaled.get(k));
            }
            if (all.size() > native1x.size()) {
                out.println();
                out.println("== all of the above pooled by the box height the masker sees");
                report(out, all);
            }
            out.println();
            ObjectMasker.Policy p = masker.policy();
            out.printf(Locale.ROOT, "policy in use: persons with box height in [%d, %s) px -> person model, "
                    + "else GrabCut%n", p.personModelMinHeight(),
                    p.personModelMaxHeight() == Integer.MAX_VALUE ? "inf" : String.valueOf(p.personModelMaxHeight()));
            double chosen = all.stream().mapToDouble(s -> p.choose("person", s.w(), s.h()) == Method.PERSON_MODEL
                    ? s.iouModel() : s.iouGrabCut()).average().orElse(Double.NaN);
            out.printf(Locale.ROOT, "mean IoU over all scored boxes: policy %.3f, GrabCut only %.3f, model only %.3f%n",
                    chosen, mean(all, Sample::iouGrabCut), mean(all, Sample::iouModel));
            // Per bucket (all boxes pooled by height): the more accurate method; within 0.01 IoU, the faster one.
            for (Bucket b : BUCKETS) {
                List<Sample> in = all.stream().filter(s -> b.contains(s.h())).toList();
                if (in.isEmpty()) {
                    continue;
                }
                double gc = mean(in, Sample::iouGrabCut);
                double model = mean(in, Sample::iouModel);
                boolean tie = Math.abs(gc - model) < 0.01;
                boolean modelFaster = median(in, s -> s.nanosModel()) < median(in, s -> s.nanosGrabCut());
                String best = tie ? (modelFaster ? "model (tie on IoU, faster)" : "GrabCut (tie on IoU, faster)")
                        : model > gc ? "model" : "GrabCut";
                out.printf(Locale.ROOT, "  %-8s %4d boxes: IoU GrabCut %.3f, model %.3f -> %s; policy: %s%n", b.label(),
                        in.size(), gc, model, best, p.choose("person", 1, Math.max(b.min(), 1)) == Method.PERSON_MODEL
                                ? "model" : "GrabCut");
            }
        }
        background.close();
    }

    private static void warmUp(ObjectMasker masker, Mat image) {
        for (int i = 0; i < 3; i++) {
            masker.pixels(image, 300, 200, 60, 150, Method.GRABCUT);
            masker.pixels(image, 300, 200, 60, 150, Method.PERSON_MODEL);
        }
    }

    private static void report(PrintStream out, List<Sample> samples) {
        out.println("| box height (px) | boxes | IoU GrabCut | IoU model | IoU box itself | model better on"
                + " | outside box GrabCut / model | ms/mask GrabCut | ms/mask model |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        List<Bucket> rows = new ArrayList<>(BUCKETS);
        rows.add(new Bucket("all", 0, Integer.MAX_VALUE));
        for (Bucket b : rows) {
            List<Sample> in = samples.stream().filter(s -> b.contains(s.h())).toList();
            if (in.isEmpty()) {
                out.printf(Locale.ROOT, "| %s | 0 | | | | | | | |%n", b.label());
                continue;
            }
            long wins = in.stream().filter(s -> s.iouModel() > s.iouGrabCut()).count();
            out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %d %% | %.1f %% / %.1f %% | %.1f | %.1f |%n",
                    b.label(), in.size(), mean(in, Sample::iouGrabCut), mean(in, Sample::iouModel),
                    mean(in, Sample::iouBox), Math.round(100.0 * wins / in.size()),
                    100 * mean(in, Sample::outsideGrabCut), 100 * mean(in, Sample::outsideModel),
                    median(in, s -> s.nanosGrabCut() / 1e6), median(in, s -> s.nanosModel() / 1e6));
        }
    }

    static double mean(List<Sample> in, java.util.function.ToDoubleFunction<Sample> f) {
        return in.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static double median(List<Sample> in, java.util.function.ToDoubleFunction<Sample> f) {
        double[] v = in.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }

    // ---------------------------------------------------------------- reference

    /** Per-pixel, per-channel median of every {@code every}th frame of a static-camera video (8-bit BGR). */
    public static Mat medianBackground(Path video, int every) {
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
    public static byte[] foreground(Mat frame, Mat background) {
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

    private static byte[] upscale(byte[] mask, int w, int h, int s) {
        byte[] out = new byte[s * s * w * h];
        for (int y = 0; y < s * h; y++) {
            for (int x = 0; x < s * w; x++) {
                out[y * s * w + x] = mask[(y / s) * w + x / s];
            }
        }
        return out;
    }

    /** YOLOX-Nano person boxes {@code {x, y, w, h}} (confidence ≥ 0.5), clipped to the frame. */
    public static List<int[]> personBoxes(Detector yolox, Mat frame) {
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
    public static Predicate<int[]> scorable(List<int[]> boxes, byte[] fg, int frameW) {
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
    public static List<Sample> measure(ObjectMasker masker, Mat image, byte[] fg, List<int[]> boxes, long frame) {
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
    public static double iou(byte[] mask, byte[] reference, int[] b, int frameW) {
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
