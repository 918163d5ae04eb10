package io.framegrid.gpunode.kernels;

/** Histogram comparison for shot detection (shared by every backend: it is cheap). */
public final class Histograms {

    private Histograms() {
    }

    /**
     * Bhattacharyya distance (as OpenCV's {@code HISTCMP_BHATTACHARYYA}) per channel, averaged over the
     * channels of two {@link FrameKernels#histogram} results: 0 identical, 1 disjoint.
     */
    public static double distance(float[] a, float[] b, int bins) {
        if (a.length != b.length || a.length % bins != 0) {
            throw new IllegalArgumentException("histograms differ in shape");
        }
        int channels = a.length / bins;
        double total = 0;
        for (int c = 0; c < channels; c++) {
            double sa = 0;
            double sb = 0;
            double cross = 0;
            for (int i = c * bins; i < (c + 1) * bins; i++) {
                sa += a[i];
                sb += b[i];
                cross += Math.sqrt((double) a[i] * b[i]);
            }
            double norm = Math.sqrt(sa * sb);
            double coefficient = norm > 0 ? cross / norm : 0;
            total += Math.sqrt(Math.max(0, 1 - coefficient));
        }
        return total / channels;
    }
}
