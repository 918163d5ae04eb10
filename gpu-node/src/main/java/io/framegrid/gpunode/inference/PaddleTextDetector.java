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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * PaddleOCR DB text detector: the whole batch runs in one call (the model's batch dimension is dynamic),
 * then the probability map is binarised and each contour becomes a box scored by its mean probability and
 * grown by DB's unclip distance (area × 1.5 / perimeter).
 */
final class PaddleTextDetector implements Detector {

    private static final int MAX_SIDE = 960;
    private static final double BINARY_THRESHOLD = 0.3;
    private static final double UNCLIP_RATIO = 1.5;
    private static final int MIN_SIDE = 3;

    private final ModelManifest manifest;
    private final FrameKernels kernels;
    private final OnnxModel model;
    private final ExecutorService workers;

    PaddleTextDetector(ModelManifest manifest, Path file, FrameKernels kernels) {
        this.manifest = manifest;
        this.kernels = kernels;
        this.model = new OnnxModel(file, 2);
        this.workers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "framegrid-text-" + manifest.id());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float scoreThreshold) {
        // One input size for the batch: every image scaled to fit MAX_SIDE, rounded up to multiples of 32.
        int w = 32;
        int h = 32;
        for (Mat m : images) {
            double r = Math.min(1.0, (double) MAX_SIDE / Math.max(m.cols(), m.rows()));
            w = Math.max(w, roundUp32((int) Math.round(m.cols() * r)));
            h = Math.max(h, roundUp32((int) Math.round(m.rows() * r)));
        }
        TensorBatch batch = kernels.preprocess(images, PreprocessSpec.paddleDb(w, h));
        float[] prob = model.run(batch.data(), batch.shape());
        int mapW = w;
        int mapH = h;
        if (images.size() == 1) {
            return List.of(boxes(prob, 0, mapW, mapH, batch.letterboxes().get(0), scoreThreshold));
        }
        // The maps of a batch are decoded side by side: one after the other on the batcher's thread would leave
        // the other cores idle between model runs, where direct callers overlap their decoding with other runs.
        List<Future<List<Detection>>> futures = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            int index = i;
            futures.add(workers.submit(() -> boxes(prob, index * mapW * mapH, mapW, mapH,
                    batch.letterboxes().get(index), scoreThreshold)));
        }
        List<List<Detection>> out = new ArrayList<>(images.size());
        try {
            for (Future<List<Detection>> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted decoding text maps", e);
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

    @Override
    public void close() {
        workers.shutdownNow();
        model.close();
    }
}
