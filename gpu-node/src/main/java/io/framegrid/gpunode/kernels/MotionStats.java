package io.framegrid.gpunode.kernels;

/**
 * Difference between two frames on luma.
 *
 * @param meanAbsDiff     mean |Y₁ − Y₂| over all pixels, 0–255 (the motion energy)
 * @param changedFraction share of pixels whose luma changed by more than the threshold
 */
public record MotionStats(double meanAbsDiff, double changedFraction) {
}
