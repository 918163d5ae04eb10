package io.framegrid.gpunode.media;

import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Where decoded frames go so that later stages (and other products) need not decode again.
 *
 * <p>The cluster's fabric frame cache implements this when present; {@link #NONE} keeps nothing.
 * Implementations must copy what they keep: the decoder reuses the frame buffer.
 */
public interface FrameCache {

    FrameCache NONE = new FrameCache() {
        @Override
        public Optional<Mat> get(String mediaKey, long frameIndex) {
            return Optional.empty();
        }

        @Override
        public void put(String mediaKey, long frameIndex, Mat bgr) {
        }
    };

    Optional<Mat> get(String mediaKey, long frameIndex);

    void put(String mediaKey, long frameIndex, Mat bgr);
}
