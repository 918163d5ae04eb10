package io.framegrid.gpunode.kernels;

import java.util.List;

/** A batched float tensor {@code [n, channels, height, width]} and where each source image landed in it. */
public record TensorBatch(float[] data, int n, int channels, int height, int width, List<Letterbox> letterboxes) {

    public long[] shape() {
        return new long[] {n, channels, height, width};
    }

    /** The elements of image {@code i} only, as a {@code [1, c, h, w]} tensor's data. */
    public float[] slice(int i) {
        int size = channels * height * width;
        float[] out = new float[size];
        System.arraycopy(data, i * size, out, 0, size);
        return out;
    }
}
