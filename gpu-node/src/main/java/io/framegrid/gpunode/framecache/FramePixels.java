package io.framegrid.gpunode.framecache;

/** Raw pixels of a frame with the shape needed to rebuild it (OpenCV type code, e.g. CV_8UC3). */
public record FramePixels(int rows, int cols, int type, byte[] data) {
    public long weight() {
        return data.length + 64L;
    }
}
