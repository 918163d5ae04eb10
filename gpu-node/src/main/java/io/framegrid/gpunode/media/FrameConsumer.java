package io.framegrid.gpunode.media;

/** Receives decoded frames; return {@code false} to stop decoding early. */
@FunctionalInterface
public interface FrameConsumer {
    boolean accept(DecodedFrame frame);
}
