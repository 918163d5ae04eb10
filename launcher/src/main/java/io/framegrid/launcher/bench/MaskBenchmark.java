package io.framegrid.launcher.bench;

import static io.framegrid.launcher.bench.MaskScoring.BUCKETS;
import static io.framegrid.launcher.bench.MaskScoring.foreground;
import static io.framegrid.launcher.bench.MaskScoring.measure;
import static io.framegrid.launcher.bench.MaskScoring.medianBackground;
import static io.framegrid.launcher.bench.MaskScoring.personBoxes;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;

import io.framegrid.config.local.SharedFiles;
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
import io.framegrid.launcher.bench.MaskScoring.Bucket;
import io.framegrid.launcher.bench.MaskScoring.Sample;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Mask accuracy and cost ({@code framegrid bench masks}): GrabCut seeded by the box vs the person-segmentation model
 * on a crop, each scored by IoU against a reference that needs no annotation. vtest.avi has a static camera, so
 * the per-pixel median of many frames is the empty background; |frame − background| (largest channel difference
 * above {@link MaskScoring#FOREGROUND_THRESHOLD} grey levels), opened 3×3 and closed
 * 7×7, is the foreground of moving pedestrians. Person boxes come from YOLOX-Nano on the same frames (confidence ≥ 0.5). A box is scored only where
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
    /** Upscale factors standing in for larger persons than vtest.avi has. */
    static final int[] UPSCALES = {2, 3};

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

    private static byte[] upscale(byte[] mask, int w, int h, int s) {
        byte[] out = new byte[s * s * w * h];
        for (int y = 0; y < s * h; y++) {
            for (int x = 0; x < s * w; x++) {
                out[y * s * w + x] = mask[(y / s) * w + x / s];
            }
        }
        return out;
    }

}
