package io.framegrid.gpunode.inference;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_LIST;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.arcLength;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.contourArea;
import static org.bytedeco.opencv.global.opencv_imgproc.drawContours;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Letterbox;
import io.framegrid.gpunode.kernels.PreprocessSpec;
import io.framegrid.gpunode.kernels.TensorBatch;
import io.framegrid.gpunode.models.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * PaddleOCR DB text detector: a batch's images of one size run in one model call (the model's batch dimension is
 * dynamic); preparing and decoding are separate stages ({@link StagedDetector}) so that the engine's batcher thread
 * only stacks ready tensors and runs the model. Each probability map is binarised and each contour becomes a box scored by its mean probability and
 * grown by DB's unclip distance (area × 1.5 / perimeter).
 */
final class PaddleTextDetector implements StagedDetector<PaddleTextDetector.Prepared> {

    private static final int MAX_SIDE = 960;
    private static final double BINARY_THRESHOLD = 0.3;
    private static final double UNCLIP_RATIO = 1.5;
    private static final int MIN_SIDE = 3;

    private final ModelManifest manifest;
    private final FrameKernels kernels;
    private final OnnxModel model;
    /** One predictor per core, one intra-op thread each: the parts of a split batch side by side. */
    private final OnnxModel narrow;
    private final int cores;
    private final ExecutorService workers;
    private volatile boolean closed;

    PaddleTextDetector(ModelManifest manifest, Path file, FrameKernels kernels) {
        this.manifest = manifest;
        this.kernels = kernels;
        this.model = new OnnxModel(file, 2);
        this.cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.narrow = cores == 1 ? model : new OnnxModel(file, cores, 1);
        this.workers = Executors.newFixedThreadPool(cores, r -> {
            Thread t = new Thread(r, "framegrid-text-" + manifest.id());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    /** One image letterboxed top-left into its bucket: the multiple-of-32 size its scaled copy fits. */
    record Prepared(float[] data, int width, int height, Letterbox letterbox) {
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float scoreThreshold) {
        checkOpen();
        if (images.size() == 1) {
            Prepared p = prepare(images.get(0));
            return List.of(finish(p, run(List.of(p)).get(0), scoreThreshold));
        }
        // The images are prepared and their maps decoded side by side: one after the other on one thread would
        // leave the other cores idle around the model runs.
        List<Prepared> prepared = inParallel(images.size(), i -> prepare(images.get(i)));
        List<float[]> maps = run(prepared);
        return inParallel(images.size(), i -> finish(prepared.get(i), maps.get(i), scoreThreshold));
    }

    /**
     * Each image scaled to fit {@value #MAX_SIDE} and padded to multiples of 32: images of one size land in one
     * bucket, and a batch runs one model call per bucket.
     */
    @Override
    public Prepared prepare(Mat image) {
        checkOpen();
        double r = Math.min(1.0, (double) MAX_SIDE / Math.max(image.cols(), image.rows()));
        int w = roundUp32((int) Math.round(image.cols() * r));
        int h = roundUp32((int) Math.round(image.rows() * r));
        TensorBatch one = kernels.preprocess(List.of(image), PreprocessSpec.paddleDb(w, h));
        return new Prepared(one.data(), w, h, one.letterboxes().get(0));
    }

    @Override
    public List<float[]> run(List<Prepared> batch) {
        checkOpen();
        float[][] out = new float[batch.size()][];
        Map<Long, List<Integer>> buckets = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Prepared p = batch.get(i);
            buckets.computeIfAbsent(((long) p.width() << 32) | p.height(), k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> bucket : buckets.values()) {
            if (bucket.size() < cores || "cuda".equals(kernels.backend())) {
                runBucket(batch, bucket, model, out);
                continue;
            }
            // On the CPU one call of N images with every core as intra-op threads costs more per image than a
            // single run (measured on 2 cores: 0-30 % more CPU; the activations of N images fall out of cache and
            // the threads synchronise on every node), so a bucket of at least `cores` images runs as `cores`
            // batched calls side by side, one thread each.
            int parts = cores;
            List<Future<?>> running = new ArrayList<>(parts);
            for (int k = 0; k < parts; k++) {
                List<Integer> part = bucket.subList(k * bucket.size() / parts, (k + 1) * bucket.size() / parts);
                try {
                    running.add(workers.submit(() -> runBucket(batch, part, narrow, out)));
                } catch (RejectedExecutionException e) {
                    // Closed meanwhile; the parts already submitted still finish (close drains the pool).
                    throw closedError(e);
                }
            }
            try {
                for (Future<?> f : running) {
                    f.get();
                }
            } catch (InterruptedException e) {
                running.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted detecting text", e);
            } catch (ExecutionException e) {
                running.forEach(f -> f.cancel(true));
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        return List.of(out);
    }

    /** One model call on the images {@code bucket} of {@code batch} (one size); their maps go to {@code out}. */
    private static void runBucket(List<Prepared> batch, List<Integer> bucket, OnnxModel session, float[][] out) {
        Prepared first = batch.get(bucket.get(0));
        int plane = first.width() * first.height();
        List<float[]> parts = new ArrayList<>(bucket.size());
        for (int index : bucket) {
            parts.add(batch.get(index).data());
        }
        FloatBuffer prob = session.run(parts, new long[] {bucket.size(), 3, first.height(), first.width()});
        for (int k = 0; k < bucket.size(); k++) {
            float[] map = new float[plane];
            prob.get(k * plane, map);
            out[bucket.get(k)] = map;
        }
    }

    @Override
    public List<Detection> finish(Prepared prepared, float[] map, float scoreThreshold) {
        return boxes(map, 0, prepared.width(), prepared.height(), prepared.letterbox(), scoreThreshold);
    }

    @Override
    public Executor decoders() {
        return workers;
    }

    private <T> List<T> inParallel(int n, IntFunction<T> task) {
        List<Future<T>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            try {
                futures.add(workers.submit(() -> task.apply(index)));
            } catch (RejectedExecutionException e) {
                throw closedError(e);
            }
        }
        List<T> out = new ArrayList<>(n);
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted detecting text", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        return out;
    }

    private List<Detection> boxes(float[] prob, int offset, int w, int h, Letterbox box, float scoreThreshold) {
        Mat map = new Mat(h, w, CV_32FC1);
        ((FloatPointer) map.data().position(0).capacity(0).limit(0).getPointer(FloatPointer.class))
                .put(prob, offset, w * h);
        Mat binary32 = new Mat();
        threshold(map, binary32, BINARY_THRESHOLD, 255, THRESH_BINARY);
        Mat binary = new Mat();
        binary32.convertTo(binary, CV_8UC1);
        MatVector contours = new MatVector();
        findContours(binary, contours, new Mat(), RETR_LIST, CHAIN_APPROX_SIMPLE);
        List<Detection> found = new ArrayList<>();
        for (int c = 0; c < contours.size(); c++) {
            Mat contour = contours.get(c);
            Rect r = boundingRect(contour);
            if (Math.min(r.width(), r.height()) < MIN_SIDE) {
                continue;
            }
            // The contour's mean probability, over its bounding box only (a full-map mask per contour cost more
            // than the model run on busy frames).
            Mat region = new Mat(r.height(), r.width(), CV_8UC1, new Scalar(0));
            drawContours(region, new MatVector(contour), 0, new Scalar(255), FILLED, 8, new Mat(), 0,
                    new org.bytedeco.opencv.opencv_core.Point(-r.x(), -r.y()));
            double score = org.bytedeco.opencv.global.opencv_core.mean(new Mat(map, r), region).get(0);
            if (score < scoreThreshold) {
                continue;
            }
            double perimeter = Math.max(1, arcLength(contour, true));
            double grow = Math.max(contourArea(contour), r.area()) * UNCLIP_RATIO / perimeter;
            double x0 = clamp(box.toSourceX(r.x() - grow), box.srcWidth());
            double y0 = clamp(box.toSourceY(r.y() - grow), box.srcHeight());
            double x1 = clamp(box.toSourceX(r.x() + r.width() + grow), box.srcWidth());
            double y1 = clamp(box.toSourceY(r.y() + r.height() + grow), box.srcHeight());
            if (x1 - x0 < 1 || y1 - y0 < 1) {
                continue;
            }
            found.add(new Detection(0, "text", (float) score, (float) x0, (float) y0, (float) (x1 - x0),
                    (float) (y1 - y0)));
        }
        return found;
    }

    private static int roundUp32(int v) {
        return Math.max(32, (v + 31) / 32 * 32);
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private void checkOpen() {
        if (closed) {
            throw closedError(null);
        }
    }

    private IllegalStateException closedError(Throwable cause) {
        return new IllegalStateException("text detector " + manifest.id() + " is closed", cause);
    }

    /**
     * Stops accepting work, lets the pool finish what is queued and running (shutdown, not shutdownNow: a dropped
     * queued task would leave the thread waiting on its future blocked for good, and interrupting does not stop a
     * native model run anyway), then closes the sessions, which themselves wait for runs still in flight on other
     * threads (the batcher's, a direct caller's) before freeing native memory.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        WorkerPools.drain(workers, "text detector " + manifest.id());
        if (narrow != model) {
            narrow.close();
        }
        model.close();
    }
}
