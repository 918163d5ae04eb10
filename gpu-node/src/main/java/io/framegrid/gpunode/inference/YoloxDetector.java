package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Letterbox;
import io.framegrid.gpunode.kernels.PreprocessSpec;
import io.framegrid.gpunode.kernels.TensorBatch;
import io.framegrid.gpunode.models.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** YOLOX (COCO): letterbox preprocessing kernel, ONNX Runtime via DJL, grid decode, class-wise NMS. */
public final class YoloxDetector implements Detector {

    static final int INPUT = 416;
    private static final int[] STRIDES = {8, 16, 32};
    private static final float NMS_IOU = 0.45f;

    private final ModelManifest manifest;
    private final FrameKernels kernels;
    /** One run at a time, all cores inside it: a lone caller's latency. */
    private final OnnxModel wide;
    /** One predictor per core, one thread per run: concurrent callers side by side without oversubscribing. */
    private final OnnxModel narrow;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final PreprocessSpec spec = PreprocessSpec.yolox(INPUT, INPUT);
    private final ExecutorService workers;

    YoloxDetector(ModelManifest manifest, Path file, FrameKernels kernels) {
        this.manifest = manifest;
        this.kernels = kernels;
        // One predictor per core: the images of a batch then run side by side, as direct concurrent callers would.
        int parallel = Math.max(1, Runtime.getRuntime().availableProcessors());
        // Intra-op threads = cores ÷ runs in flight, in the two shapes that matter: a lone run gets every core; when
        // several tasks detect at once (the reframer's scan slots, batched groups) each run gets one thread, so N
        // runs on N cores neither oversubscribe (runs × cores spinning threads) nor queue behind one wide session.
        this.wide = new OnnxModel(file, 1, parallel);
        this.narrow = parallel == 1 ? wide : new OnnxModel(file, parallel, 1);
        this.workers = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "framegrid-yolox-" + manifest.id());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float threshold) {
        return detect(images, threshold, false);
    }

    /**
     * With {@code contended}, no run takes the wide session: while callers overlap, the other cores have work of
     * their own (the other requests' decoding, their jobs' grid and RPC work), and a wide run's intra-op threads,
     * which wake and sleep at every operator, only queue for them. On the 2-core bench machine the wide runs of
     * staggered jobs (a lone job's batch of one, while the others decode and commit) cost about 4 ms of CPU per
     * image in ONNX Runtime's own threads; narrow, 1 ms ({@code framegrid bench detection}, README).
     */
    @Override
    public List<List<Detection>> detect(List<Mat> images, float threshold, boolean contended) {
        if (images.size() == 1) {
            return List.of(detectOne(images.get(0), threshold, contended));
        }
        if (!"cuda".equals(kernels.backend())) {
            // On the CPU the twin costs the same per image batched or not, so each image is preprocessed in its
            // own task: preprocessing of one overlaps the model run of another instead of all of it running
            // single-threaded before the first model call.
            return runAll(images.size(), i -> detectOne(images.get(i), threshold, true));
        }
        // On the GPU one batched kernel call amortises launches and transfers; the model then runs once per image
        // because its export fixes batch = 1.
        TensorBatch batch = kernels.preprocess(images, spec);
        return runAll(batch.n(), i -> decode(runModel(batch, i, true), batch.letterboxes().get(i), threshold));
    }

    private List<Detection> detectOne(Mat image, float threshold, boolean contended) {
        TensorBatch one = kernels.preprocess(List.of(image), spec);
        return decode(runModel(one, 0, contended), one.letterboxes().get(0), threshold);
    }

    private FloatBuffer runModel(TensorBatch batch, int i, boolean contended) {
        int size = 3 * INPUT * INPUT;
        long[] shape = {1, 3, INPUT, INPUT};
        boolean alone = inFlight.incrementAndGet() == 1;
        try {
            // Nobody else is running and nobody overlapped lately: the wide session's one predictor is free (only
            // a lone caller takes it), and the other cores would idle without it.
            return (alone && !contended ? wide : narrow).run(batch.data(), i * size, size, shape);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private List<List<Detection>> runAll(int n, IntFunction<List<Detection>> task) {
        List<Future<List<Detection>>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            futures.add(workers.submit(() -> task.apply(index)));
        }
        List<List<Detection>> out = new ArrayList<>(n);
        try {
            for (Future<List<Detection>> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during detection", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        return out;
    }

    /** Exposed for the benchmark's bare-runtime baseline, which must see the same tensors. */
    public TensorBatch preprocess(List<Mat> images) {
        return kernels.preprocess(images, spec);
    }

    List<Detection> decode(FloatBuffer raw, Letterbox box, float threshold) {
        int classes = manifest.classNames().size();
        int stride = 5 + classes;
        List<Detection> candidates = new ArrayList<>();
        int anchor = 0;
        for (int s : STRIDES) {
            int grid = INPUT / s;
            for (int gy = 0; gy < grid; gy++) {
                for (int gx = 0; gx < grid; gx++, anchor++) {
                    int base = anchor * stride;
                    float objectness = raw.get(base + 4);
                    if (objectness < threshold) {
                        continue; // score = obj × cls ≤ obj
                    }
                    int best = 0;
                    float bestScore = 0;
                    for (int c = 0; c < classes; c++) {
                        float v = raw.get(base + 5 + c);
                        if (v > bestScore) {
                            bestScore = v;
                            best = c;
                        }
                    }
                    float score = objectness * bestScore;
                    if (score < threshold) {
                        continue;
                    }
                    float cx = (raw.get(base) + gx) * s;
                    float cy = (raw.get(base + 1) + gy) * s;
                    float w = (float) Math.exp(raw.get(base + 2)) * s;
                    float h = (float) Math.exp(raw.get(base + 3)) * s;
                    double x0 = clamp(box.toSourceX(cx - w / 2), box.srcWidth());
                    double y0 = clamp(box.toSourceY(cy - h / 2), box.srcHeight());
                    double x1 = clamp(box.toSourceX(cx + w / 2), box.srcWidth());
                    double y1 = clamp(box.toSourceY(cy + h / 2), box.srcHeight());
                    candidates.add(new Detection(best, manifest.classNames().get(best), score,
                            (float) x0, (float) y0, (float) (x1 - x0), (float) (y1 - y0)));
                }
            }
        }
        return Nms.apply(candidates, NMS_IOU);
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    @Override
    public void close() {
        // shutdown, not shutdownNow: a dropped queued task would leave its waiter blocked; the sessions wait for
        // runs in flight before freeing native memory.
        WorkerPools.drain(workers, "detector " + manifest.id());
        if (narrow != wide) {
            narrow.close();
        }
        wide.close();
    }
}
