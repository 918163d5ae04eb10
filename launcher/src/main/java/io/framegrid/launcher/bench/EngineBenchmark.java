package io.framegrid.launcher.bench;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.calcHist;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_photo.INPAINT_TELEA;
import static org.bytedeco.opencv.global.opencv_photo.inpaint;

import ai.onnxruntime.OnnxTensor;
import io.framegrid.config.local.SharedFiles;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.inference.OnnxBatchDimension;
import io.framegrid.gpunode.inference.OnnxSessionOptions;
import io.framegrid.gpunode.inference.YoloxDetector;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.PreprocessSpec;
import io.framegrid.gpunode.kernels.TensorBatch;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.models.ModelRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The vision engine benchmark ({@code framegrid bench engine}): every figure is a ratio against a baseline
 * measured in the same run on the same file and model.
 *
 * <pre>options: --shared DIR   --frames N (detection frames, default 60)   --clients N (default 8)
 *          --requests N (per client, default 8)   --cuda (try the CUDA kernels)</pre>
 */
public final class EngineBenchmark {

    private final PrintStream out;
    private final Path shared;
    private final int frames;
    private final int clients;
    private final int requests;
    private final boolean cuda;

    private EngineBenchmark(PrintStream out, Path shared, int frames, int clients, int requests, boolean cuda) {
        this.out = out;
        this.shared = shared;
        this.frames = frames;
        this.clients = clients;
        this.requests = requests;
        this.cuda = cuda;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the benchmark, prints the report to stdout; returns 0, or 2 on bad arguments / missing files. */
    public static int run(String[] args) {
        Path shared = null;
        int frames = 60;
        int clients = 8;
        int requests = 8;
        boolean cuda = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--shared" -> shared = Path.of(args[++i]);
                    case "--frames" -> frames = Integer.parseInt(args[++i]);
                    case "--clients" -> clients = Integer.parseInt(args[++i]);
                    case "--requests" -> requests = Integer.parseInt(args[++i]);
                    case "--cuda" -> cuda = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("engine benchmark: " + e.getMessage());
            return 2;
        }
        if (shared != null) {
            System.setProperty("framegrid.shared", shared.toString());
        }
        Path root = SharedFiles.root();
        if (!root.resolve("media/vtest.avi").toFile().isFile() || !root.resolve("models/yolox_nano.onnx").toFile().isFile()) {
            System.err.println("engine benchmark: shared media/models not found under " + root);
            return 2;
        }
        try {
            new EngineBenchmark(System.out, root, frames, clients, requests, cuda).execute();
            return 0;
        } catch (Exception e) {
            e.printStackTrace();
            return 1;
        }
    }

    private void execute() throws Exception {
        out.printf(Locale.ROOT, "Framegrid engine benchmark — %d cores, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        ComputeDevice device = cuda ? ComputeDevice.detect(true) : ComputeDevice.cpuOnly();
        out.println("kernels: " + device.description());
        decode();
        detection(device.kernels());
        kernels(device.kernels());
    }

    // ---------------------------------------------------------------- decode
    private void decode() throws Exception {
        Path video = shared.resolve("media/vtest.avi");
        out.println();
        out.println("== Decode: vtest.avi (795 frames, 768x576 MS-MPEG4v3)");
        double ffmpegFps = Double.NaN;
        try {
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", video.toString(), "-f", "null", "-")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("ffmpeg failed");
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            ffmpegFps = 795 / best;
            out.printf(Locale.ROOT, "  ffmpeg -i vtest.avi -f null -      %8.0f frames/s (best of 3, incl. process start)%n",
                    ffmpegFps);
        } catch (java.io.IOException e) {
            out.println("  ffmpeg not installed: baseline skipped (Debian: apt-get install ffmpeg)");
        }
        MediaDecoder decoder = new MediaDecoder();
        double best = Double.MAX_VALUE;
        long count = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            count = decoder.decode(video, FrameSampling.all(), f -> true);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        double ours = count / best;
        out.printf(Locale.ROOT, "  MediaDecoder (BGR frames)          %8.0f frames/s (%d frames)%n", ours, count);
        if (!Double.isNaN(ffmpegFps)) {
            out.printf(Locale.ROOT, "  ratio vs ffmpeg                    %8.2fx (target >= 0.90)%n", ours / ffmpegFps);
            // Added line: the best-of-3 figures above run one after the other, so load from other processes can
            // land on one side only; here each round times ffmpeg and MediaDecoder back to back.
            double[] ratios = new double[5];
            for (int i = 0; i < ratios.length; i++) {
                double f = ffmpegSeconds(video);
                long t0 = System.nanoTime();
                decoder.decode(video, FrameSampling.all(), frame -> true);
                ratios[i] = f / ((System.nanoTime() - t0) / 1e9);
            }
            java.util.Arrays.sort(ratios);
            out.printf(Locale.ROOT, "  ratio vs ffmpeg, interleaved       %8.2fx (median of 5 alternating rounds, %.2f-%.2f;"
                    + " target >= 0.95)%n", ratios[2], ratios[0], ratios[4]);
        }
    }

    private static double ffmpegSeconds(Path video) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", video.toString(), "-f", "null", "-")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ffmpeg failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    // ---------------------------------------------------------------- detection
    private void detection(FrameKernels kernels) throws Exception {
        Path video = shared.resolve("media/vtest.avi");
        List<Mat> images = new MediaDecoder().decodeToList(video, FrameSampling.range(0, frames)).stream()
                .map(DecodedFrame::image).toList();
        ModelRegistry registry = new ModelRegistry(shared.resolve("models"));
        DetectorFactory factory = new DetectorFactory(registry, kernels);
        out.println();
        out.printf(Locale.ROOT, "== Detection: YOLOX-Nano on %d vtest.avi frames%n", images.size());
        try (YoloxDetector yolox = (YoloxDetector) factory.load(registry.find("yolox-nano").orElseThrow())) {
            // Bare ONNX Runtime over exactly the tensors our preprocessing makes.
            TensorBatch tensors = yolox.preprocess(images);
            OrtEnvironment env = OnnxSessionOptions.environment();
            double bare = 0;
            double e2e = 0;
            long found = 0;
            // The engine's own session options (threads, optimisation level), so only the engine's work differs.
            try (OrtSession.SessionOptions options = io.framegrid.gpunode.inference.OnnxSessionOptions.create();
                    OrtSession session = env.createSession(
                    registry.localFile(registry.find("yolox-nano").orElseThrow()).orElseThrow().toString(), options)) {
                runBare(env, session, tensors, 0, Math.min(5, tensors.n())); // warm-up
                for (int i = 0; i < 5; i++) {
                    yolox.detect(List.of(images.get(i)), 0.3f);
                }
                // Interleaved frame by frame (bare run of frame i, then end-to-end detect of frame i), 3 passes:
                // load from other processes on a shared machine then hits both sides alike instead of whichever
                // ran during a burst. Totals over all passes.
                long bareNanos = 0;
                long e2eNanos = 0;
                int passes = 3;
                for (int pass = 0; pass < passes; pass++) {
                    for (int i = 0; i < images.size(); i++) {
                        long t0 = System.nanoTime();
                        runBare(env, session, tensors, i, i + 1);
                        long t1 = System.nanoTime();
                        int d = yolox.detect(List.of(images.get(i)), 0.3f).get(0).size();
                        e2eNanos += System.nanoTime() - t1;
                        bareNanos += t1 - t0;
                        if (pass == 0) {
                            found += d;
                        }
                    }
                }
                bare = passes * images.size() / (bareNanos / 1e9);
                e2e = passes * images.size() / (e2eNanos / 1e9);
            }
            out.printf(Locale.ROOT, "  bare ONNX Runtime (preprocessed)   %8.1f frames/s (interleaved, 3 passes)%n", bare);
            out.printf(Locale.ROOT, "  end-to-end detect (pre+model+NMS)  %8.1f frames/s (%d detections per pass)%n",
                    e2e, found);
            out.printf(Locale.ROOT, "  ratio vs bare runtime              %8.2fx (target >= 0.85)%n", e2e / bare);
        }

        out.println();
        out.printf(Locale.ROOT, "== Dynamic batching: %d concurrent clients x %d requests, YOLOX-Nano (model batch fixed at 1)%n",
                clients, requests);
        double without = 0;
        double with = 0;
        LongAdder batchTotal = new LongAdder();
        try (Detector direct = factory.load(registry.find("yolox-nano").orElseThrow());
                InferenceEngine engine = new InferenceEngine(registry, factory,
                        new BatchSettings(8, Duration.ofMillis(5), 256), new BatchingMetrics(new PrometheusRegistry()))) {
            direct.detect(List.of(images.get(0)), 0.3f);
            engine.detect("yolox-nano", images.get(0), 0.3f, Set.of()).get();
            // Alternating rounds, best of each, as for detection above.
            for (int round = 0; round < 2; round++) {
                without = Math.max(without, concurrent(images, image -> direct.detect(List.of(image), 0.3f).size(), null));
                batchTotal.reset();
                with = Math.max(with, concurrent(images, image -> {
                    var r = engine.detect("yolox-nano", image, 0.3f, Set.of()).get();
                    return r.batchSize();
                }, batchTotal));
            }
        }
        out.printf(Locale.ROOT, "  without batching (direct calls)    %8.1f requests/s (best of 2 rounds)%n", without);
        out.printf(Locale.ROOT, "  with batching (max 8, 5 ms)        %8.1f requests/s, mean batch %.1f (best of 2)%n", with,
                batchTotal.doubleValue() / (clients * requests));
        out.printf(Locale.ROOT, "  ratio with/without                 %8.2fx%n", with / without);
        try (YoloxDetector yolox = (YoloxDetector) factory.load(registry.find("yolox-nano").orElseThrow())) {
            yoloxVariableBatch(yolox.preprocess(images.subList(0, Math.min(8, images.size()))),
                    registry.localFile(registry.find("yolox-nano").orElseThrow()).orElseThrow());
        }
        textBatching(images, registry, factory);
    }

    /**
     * Issue 17: YOLOX-Nano with its batch dimension made variable ({@code OnnxBatchDimension}): one model call over
     * a batch of up to 8 tensors against the same tensors as single runs side by side (one per core, one thread
     * each, as the detector runs a batch on the CPU), alternating rounds, best of each; plus the largest difference
     * between the batched outputs and the single ones.
     */
    private void yoloxVariableBatch(TensorBatch tensors, Path modelFile) throws Exception {
        out.println();
        out.printf(Locale.ROOT, "== YOLOX-Nano with a variable batch dimension (graph rewritten at load), batch of %d%n",
                tensors.n());
        java.util.Optional<byte[]> variable = OnnxBatchDimension.variable(java.nio.file.Files.readAllBytes(modelFile));
        if (variable.isEmpty()) {
            out.println("  the model's graph could not be rewritten: skipped");
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int n = tensors.n();
        int size = tensors.channels() * tensors.height() * tensors.width();
        OrtEnvironment env = OnnxSessionOptions.environment();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cores);
        try (OrtSession.SessionOptions wide = OnnxSessionOptions.create(cores);
                OrtSession.SessionOptions narrow = OnnxSessionOptions.create(1);
                OrtSession batched = env.createSession(variable.get(), wide);
                OrtSession single = env.createSession(modelFile.toString(), narrow)) {
            float[] together = runTensors(env, batched, tensors.data(), 0, n, tensors);
            int per = together.length / n;
            double maxDiff = 0;
            for (int i = 0; i < n; i++) {
                float[] one = runTensors(env, single, tensors.data(), i * size, 1, tensors);
                for (int j = 0; j < per; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(one[j] - together[i * per + j]));
                }
            }
            double batchRate = 0;
            double sideRate = 0;
            int calls = 4;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int c = 0; c < calls; c++) {
                    runTensors(env, batched, tensors.data(), 0, n, tensors);
                }
                batchRate = Math.max(batchRate, calls * n / ((System.nanoTime() - t0) / 1e9));
                t0 = System.nanoTime();
                for (int c = 0; c < calls; c++) {
                    List<java.util.concurrent.Future<float[]>> runs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int offset = i * size;
                        runs.add(pool.submit(() -> runTensors(env, single, tensors.data(), offset, 1, tensors)));
                    }
                    for (var r : runs) {
                        r.get();
                    }
                }
                sideRate = Math.max(sideRate, calls * n / ((System.nanoTime() - t0) / 1e9));
            }
            out.printf(Locale.ROOT, "  %-35s%8.1f images/s (best of 3 rounds)%n",
                    "one call, batch " + n + " (" + cores + " threads)", batchRate);
            out.printf(Locale.ROOT, "  %-35s%8.1f images/s (best of 3 rounds)%n",
                    n + " single runs, " + cores + " side by side", sideRate);
            out.printf(Locale.ROOT, "  %-35s%8.2fx; batched outputs vs single runs: max difference %.2g%n",
                    "ratio batched/side by side", batchRate / sideRate, maxDiff);
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] runTensors(OrtEnvironment env, OrtSession session, float[] data, int offset, int n,
            TensorBatch tensors) throws OrtException {
        int length = n * tensors.channels() * tensors.height() * tensors.width();
        FloatBuffer input = java.nio.ByteBuffer.allocateDirect(length * Float.BYTES)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        input.put(data, offset, length).flip();
        try (OnnxTensor t = OnnxTensor.createTensor(env, input,
                new long[] {n, tensors.channels(), tensors.height(), tensors.width()});
                OrtSession.Result r = session.run(Map.of(session.getInputNames().iterator().next(), t))) {
            FloatBuffer result = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] values = new float[result.remaining()];
            result.get(values);
            return values;
        }
    }

    /**
     * Issue 17: the same comparison on a model with a batch dimension, the PaddleOCR DB text detector (one model
     * call per bucket of a batch, split across the cores on the CPU), on 640×360 frames (vtest scaled, as the
     * text-removal pipeline feeds it). Each client prepares its own tensor (the detector is staged), so batching
     * is measured as the engine serves it.
     */
    private void textBatching(List<Mat> frames, ModelRegistry registry, DetectorFactory factory) throws Exception {
        List<Mat> images = new ArrayList<>();
        for (Mat f : frames) {
            Mat s = new Mat();
            resize(f, s, new Size(640, 360));
            images.add(s);
        }
        out.println();
        out.printf(Locale.ROOT, "== Dynamic batching: %d concurrent clients x %d requests, PaddleOCR DB text detector "
                + "(batch dimension dynamic), 640x360%n", clients, requests);
        double without = 0;
        double with = 0;
        double cpuWithout = Double.MAX_VALUE;
        double cpuWith = Double.MAX_VALUE;
        LongAdder batchTotal = new LongAdder();
        try (Detector direct = factory.load(registry.find("paddleocr-db-text").orElseThrow());
                InferenceEngine engine = new InferenceEngine(registry, factory,
                        new BatchSettings(8, Duration.ofMillis(5), 256), new BatchingMetrics(new PrometheusRegistry()))) {
            direct.detect(List.of(images.get(0)), 0.6f);
            engine.detect("paddleocr-db-text", images.get(0), 0.6f, Set.of()).get();
            for (int round = 0; round < 2; round++) {
                long c0 = processCpuNanos();
                without = Math.max(without, concurrent(images, image -> direct.detect(List.of(image), 0.6f).size(), null));
                long c1 = processCpuNanos();
                batchTotal.reset();
                with = Math.max(with, concurrent(images, image -> {
                    var r = engine.detect("paddleocr-db-text", image, 0.6f, Set.of()).get();
                    return r.batchSize();
                }, batchTotal));
                long c2 = processCpuNanos();
                cpuWithout = Math.min(cpuWithout, (c1 - c0) / 1e6 / (clients * requests));
                cpuWith = Math.min(cpuWith, (c2 - c1) / 1e6 / (clients * requests));
            }
        }
        out.printf(Locale.ROOT, "  text: without batching (direct)    %8.1f requests/s (best of 2 rounds)%n", without);
        out.printf(Locale.ROOT, "  text: with batching (max 8, 5 ms)  %8.1f requests/s, mean batch %.1f (best of 2)%n", with,
                batchTotal.doubleValue() / (clients * requests));
        out.printf(Locale.ROOT, "  text: ratio with/without           %8.2fx (target >= 1.5)%n", with / without);
        // Added line: CPU time per request (all threads of this process, native ONNX Runtime ones included) is
        // less sensitive than requests/s to other processes' load on a shared machine.
        out.printf(Locale.ROOT, "  text: CPU per request              %8.1f ms direct, %.1f ms batched (%.2fx less CPU; best of 2)%n",
                cpuWithout, cpuWith, cpuWithout / cpuWith);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private interface Call {
        int apply(Mat image) throws Exception;
    }

    private double concurrent(List<Mat> images, Call call, LongAdder batchTotal) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                tasks.add(() -> {
                    for (int r = 0; r < requests; r++) {
                        int v = call.apply(images.get((client * requests + r) % images.size()));
                        if (batchTotal != null) {
                            batchTotal.add(v);
                        }
                    }
                    return null;
                });
            }
            long t0 = System.nanoTime();
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
            return clients * requests / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    // A reused direct buffer is the cheapest way to feed ONNX Runtime (it wraps it without a copy).
    private FloatBuffer bareInput;

    private void runBare(OrtEnvironment env, OrtSession session, TensorBatch tensors, int from, int to)
            throws OrtException {
        String input = session.getInputNames().iterator().next();
        int size = tensors.channels() * tensors.height() * tensors.width();
        if (bareInput == null) {
            bareInput = java.nio.ByteBuffer.allocateDirect(size * Float.BYTES)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        }
        FloatBuffer buffer = bareInput;
        for (int i = from; i < to; i++) {
            buffer.clear();
            buffer.put(tensors.data(), i * size, size).flip();
            try (OnnxTensor t = OnnxTensor.createTensor(env, buffer,
                    new long[] {1, 3, tensors.height(), tensors.width()});
                    OrtSession.Result r = session.run(Map.of(input, t))) {
                r.get(0);
            }
        }
    }

    // ---------------------------------------------------------------- kernels
    private void kernels(FrameKernels kernels) {
        List<Mat> images = new MediaDecoder().decodeToList(shared.resolve("media/vtest.avi"),
                FrameSampling.range(200, 221)).stream().map(DecodedFrame::image).toList();
        Mat a = images.get(0);
        Mat b = images.get(1);
        Mat mask = new Mat(a.rows(), a.cols(), org.bytedeco.opencv.global.opencv_core.CV_8UC1, new Scalar(0));
        new Mat(mask, new Rect(100, 40, 120, 14)).put(new Scalar(255));
        new Mat(mask, new Rect(500, 520, 200, 14)).put(new Scalar(255));
        out.println();
        out.printf(Locale.ROOT, "== Kernels (%s twin vs OpenCV), vtest 768x576, ms per frame%n", kernels.backend());
        PreprocessSpec spec = PreprocessSpec.yolox(416, 416);
        report("preprocess (letterbox 416, CHW)", time(() -> kernels.preprocess(List.of(a), spec)), time(() -> {
            Mat resized = new Mat();
            resize(a, resized, new Size(416, 312), 0, 0, INTER_LINEAR);
            Mat padded = new Mat();
            copyMakeBorder(resized, padded, 0, 104, 0, 0, BORDER_CONSTANT, new Scalar(114, 114, 114, 0));
            org.bytedeco.opencv.global.opencv_dnn.blobFromImage(padded, 1.0, new Size(416, 416),
                    new Scalar(0, 0, 0, 0), false, false, CV_32F);
        }));
        report("histogram (B,G,R,Y x 32 bins)", time(() -> kernels.histogram(a, 32)), time(() -> {
            Mat gray = new Mat();
            cvtColor(a, gray, COLOR_BGR2GRAY);
            for (int c = 0; c < 4; c++) {
                Mat hist = new Mat();
                calcHist(c < 3 ? a : gray, 1, new IntPointer(new int[] {c < 3 ? c : 0}), new Mat(), hist, 1,
                        new IntPointer(new int[] {32}), new FloatPointer(0f, 256f));
            }
        }));
        report("frame difference (luma)", time(() -> kernels.frameDifference(a, b, 15)), time(() -> {
            Mat g0 = new Mat();
            Mat g1 = new Mat();
            cvtColor(a, g0, COLOR_BGR2GRAY);
            cvtColor(b, g1, COLOR_BGR2GRAY);
            Mat diff = new Mat();
            absdiff(g0, g1, diff);
            mean(diff);
            Mat changed = new Mat();
            threshold(diff, changed, 15, 255, THRESH_BINARY);
            countNonZero(changed);
        }));
        report("inpaint (2 text-sized boxes)", time(() -> kernels.inpaint(a, mask)), time(() -> {
            Mat dst = new Mat();
            inpaint(a, mask, dst, 3, INPAINT_TELEA);
        }));
        if (!(kernels instanceof CpuFrameKernels) && "cpu".equals(kernels.backend())) {
            // Added lines: the plain-Java twins (the CUDA kernels' reference, no longer on the CPU serving path),
            // timed right after the lines above so the ratio compares like with like on a loaded machine.
            FrameKernels twin = new CpuFrameKernels();
            out.println("  reference twins (CUDA contract; the CPU path above is OpenCvFrameKernels):");
            reference("preprocess", time(() -> twin.preprocess(List.of(a), spec)),
                    time(() -> kernels.preprocess(List.of(a), spec)));
            reference("histogram", time(() -> twin.histogram(a, 32)), time(() -> kernels.histogram(a, 32)));
            reference("frame difference", time(() -> twin.frameDifference(a, b, 15)),
                    time(() -> kernels.frameDifference(a, b, 15)));
            reference("inpaint", time(() -> twin.inpaint(a, mask)), time(() -> kernels.inpaint(a, mask)));
        }
    }

    private void reference(String name, double twin, double path) {
        out.printf(Locale.ROOT, "    %-32s reference twin %7.2f ms   CPU path %7.2f ms   path speed-up %5.2fx%n", name,
                twin, path, twin / path);
    }

    private void report(String name, double ours, double opencv) {
        out.printf(Locale.ROOT, "  %-34s twin %7.2f ms   OpenCV %7.2f ms   ratio %5.2fx%n", name, ours, opencv,
                opencv / ours);
    }

    private static double time(Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        // The fastest of 20 calls, not their mean: on a shared machine the mean mostly measures who else ran.
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }
}
