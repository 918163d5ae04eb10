package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.models.ModelManifest;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** A loaded model that finds objects in BGR images. Implementations are thread-safe. */
public interface Detector extends AutoCloseable {

    ModelManifest manifest();

    /** Detections per image, in input order, keeping those with confidence ≥ {@code threshold}. */
    List<List<Detection>> detect(List<Mat> images, float threshold);

    /**
     * As {@link #detect(List, float)}, told whether callers overlap lately ({@link DynamicBatcher.Handler}): a
     * detector that would spread a lone image's run over every core keeps to one core per run when they do.
     */
    default List<List<Detection>> detect(List<Mat> images, float threshold, boolean contended) {
        return detect(images, threshold);
    }

    @Override
    void close();
}
