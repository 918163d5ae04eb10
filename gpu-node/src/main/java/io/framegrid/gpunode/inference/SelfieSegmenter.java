package io.framegrid.gpunode.inference;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import io.framegrid.gpunode.models.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_dnn;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_dnn.Net;

/**
 * MediaPipe selfie segmentation on OpenCV DNN. {@link #segment} gives the person mask; as a {@link Detector}
 * it reports each sizeable connected person region as a box, scored by the mean mask probability inside it.
 * One OpenCV DNN {@code Net} is not thread-safe, so every model run is serialised on this instance (the model is
 * small: one run costs a few milliseconds); callers on several threads may share one segmenter.
 */
public final class SelfieSegmenter implements Detector {

    private static final int SIZE = 256;

    private final ModelManifest manifest;
    private final Net net;

    SelfieSegmenter(ModelManifest manifest, Path file) {
        this.manifest = manifest;
        this.net = opencv_dnn.readNetFromTFLite(file.toString());
        if (net.empty()) {
            throw new IllegalStateException("cannot load " + file);
        }
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    /**
     * Person probability (0–1, {@code CV_32FC1}) at the BGR image's size: the image is resized (not letterboxed) to
     * the model's 256×256 input, so callers wanting undistorted people pass a square-ish image. The caller owns the
     * returned Mat. Thread-safe: model runs are serialised on this instance.
     */
    public Mat probability(Mat image) {
        Mat full = new Mat();
        try (Mat blob = opencv_dnn.blobFromImage(image, 1 / 255.0, new Size(SIZE, SIZE), new Scalar(0, 0, 0, 0),
                true, false, org.bytedeco.opencv.global.opencv_core.CV_32F)) {
            synchronized (this) {
                net.setInput(blob);
                try (Mat out = net.forward(); Mat prob = new Mat(SIZE, SIZE, CV_32FC1, out.data())) {
                    resize(prob, full, new Size(image.cols(), image.rows()), 0, 0, INTER_LINEAR);
                }
            }
        }
        return full;
    }

    /** 8-bit mask, 255 where a person is, at the image's size. */
    public Mat segment(Mat image) {
        Mat bin = new Mat();
        threshold(probability(image), bin, 0.5, 255, THRESH_BINARY);
        Mat mask = new Mat();
        bin.convertTo(mask, CV_8UC1);
        return mask;
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float threshold) {
        List<List<Detection>> out = new ArrayList<>();
        for (Mat image : images) {
            Mat prob = probability(image);
            Mat bin = new Mat();
            threshold(prob, bin, 0.5, 255, THRESH_BINARY);
            Mat mask = new Mat();
            bin.convertTo(mask, CV_8UC1);
            Mat labels = new Mat();
            Mat stats = new Mat();
            Mat centroids = new Mat();
            int n = org.bytedeco.opencv.global.opencv_imgproc.connectedComponentsWithStats(mask, labels, stats,
                    centroids);
            List<Detection> list = new ArrayList<>();
            double minArea = 0.01 * image.cols() * image.rows();
            var idx = stats.createIndexer();
            for (int i = 1; i < n; i++) {
                int x = (int) ((org.bytedeco.javacpp.indexer.IntIndexer) idx).get(i, 0);
                int y = (int) ((org.bytedeco.javacpp.indexer.IntIndexer) idx).get(i, 1);
                int w = (int) ((org.bytedeco.javacpp.indexer.IntIndexer) idx).get(i, 2);
                int h = (int) ((org.bytedeco.javacpp.indexer.IntIndexer) idx).get(i, 3);
                int area = (int) ((org.bytedeco.javacpp.indexer.IntIndexer) idx).get(i, 4);
                if (area < minArea) {
                    continue;
                }
                Mat roi = new Mat(prob, new Rect(x, y, w, h));
                float confidence = (float) org.bytedeco.opencv.global.opencv_core.mean(roi).get(0);
                if (confidence >= threshold) {
                    list.add(new Detection(0, "person", confidence, x, y, w, h));
                }
            }
            out.add(list);
        }
        return out;
    }

    @Override
    public void close() {
        net.close();
    }
}
