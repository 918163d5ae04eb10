package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.models.ModelManifest;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.HOGDescriptor;
import org.bytedeco.javacpp.DoublePointer;

/**
 * OpenCV's built-in HOG + linear SVM people detector. The SVM margin w becomes a confidence w / (1 + w),
 * so the default threshold 0.3 keeps margins above ≈ 0.43.
 */
final class HogPeopleDetector implements Detector {

    private final ModelManifest manifest;
    private final HOGDescriptor hog;

    HogPeopleDetector(ModelManifest manifest) {
        this.manifest = manifest;
        this.hog = new HOGDescriptor();
        hog.setSVMDetector(new Mat(HOGDescriptor.getDefaultPeopleDetector()));
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float threshold) {
        List<List<Detection>> out = new ArrayList<>();
        for (Mat image : images) {
            RectVector found = new RectVector();
            DoublePointer weights = new DoublePointer();
            hog.detectMultiScale(image, found, weights, 0, new Size(8, 8), new Size(8, 8), 1.05, 2, false);
            List<Detection> list = new ArrayList<>();
            for (int i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                long n = Math.max(weights.limit(), weights.capacity());
                double w = n > i ? weights.get(i) : 1.0;
                float confidence = (float) (Math.max(0, w) / (1 + Math.max(0, w)));
                if (confidence >= threshold) {
                    list.add(new Detection(0, "person", confidence, r.x(), r.y(), r.width(), r.height()));
                }
            }
            out.add(list);
        }
        return out;
    }

    @Override
    public void close() {
        hog.close();
    }
}
