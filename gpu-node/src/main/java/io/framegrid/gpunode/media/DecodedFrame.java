package io.framegrid.gpunode.media;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One decoded video frame as 8-bit BGR.
 *
 * <p>Inside a {@link FrameConsumer} callback the {@code image} is only valid until the callback returns
 * (the decoder reuses its buffer); {@link #copy()} keeps it.
 */
public record DecodedFrame(long index, long timestampMicros, Mat image) {

    public DecodedFrame copy() {
        return new DecodedFrame(index, timestampMicros, image.clone());
    }
}
