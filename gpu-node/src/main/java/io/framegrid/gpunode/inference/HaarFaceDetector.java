package io.framegrid.gpunode.inference;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;

import io.framegrid.gpunode.models.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * Haar cascade face detector from the OpenCV jar. Cascades give no calibrated score: confidence is the number
 * of merged neighbour detections over 10, capped at 1.
 */
final class HaarFaceDetector implements Detector {

    private final ModelManifest manifest;
    private final CascadeClassifier cascade;

    HaarFaceDetector(ModelManifest manifest, Path file) {
        this.manifest = manifest;
        this.cascade = new CascadeClassifier(file.toString());
        if (cascade.empty()) {
            throw new IllegalStateException("cannot load cascade " + file);
        }
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public synchronized List<List<Detection>> detect(List<Mat> images, float threshold) {
        List<List<Detection>> out = new ArrayList<>();
        for (Mat image : images) {
            Mat gray = new Mat();
            cvtColor(image, gray, COLOR_BGR2GRAY);
            equalizeHist(gray, gray);
            RectVector faces = new RectVector();
            IntPointer neighbours = new IntPointer();
            cascade.detectMultiScale2(gray, faces, neighbours, 1.1, 3, 0, new Size(24, 24), new Size());
            List<Detection> list = new ArrayList<>();
            for (int i = 0; i < faces.size(); i++) {
                Rect r = faces.get(i);
                int n = neighbours.limit() > i ? neighbours.get(i) : 3;
                float confidence = Math.min(1f, n / 10f);
                if (confidence >= threshold) {
                    list.add(new Detection(0, "face", confidence, r.x(), r.y(), r.width(), r.height()));
                }
            }
            out.add(list);
        }
        return out;
    }

    @Override
    public void close() {
        cascade.close();
    }
}
