package io.framegrid.gpunode.engine.scenes;

import java.util.ArrayList;
import java.util.List;

/**
 * Shot (scene-cut) detection from the colour-histogram distance of every frame to its predecessor: a cut where the
 * distance passes the threshold and is a local peak, with shots of at least {@link #MIN_SHOT_FRAMES} frames.
 */
public final class ShotBoundaries {
    /** Colour-histogram bins per channel the distances are meant to be computed with. */
    public static final int HISTOGRAM_BINS = 32;
    /** A cut closer than this to the previous one is taken for flicker, not a new shot. */
    public static final int MIN_SHOT_FRAMES = 3;

    private final double threshold;

    /** {@code threshold}: the Bhattacharyya distance between consecutive frames that marks a cut. */
    public ShotBoundaries(double threshold) {
        this.threshold = threshold;
    }

    /**
     * Shots {@code [first, last]} (inclusive) covering frames {@code 0..frames-1}, in order; {@code distances.get(i)}
     * is frame i's distance to frame i - 1 (frame 0's is ignored).
     */
    public List<int[]> shots(List<Double> distances, long frames) {
        List<int[]> shots = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < distances.size(); i++) {
            double d = distances.get(i);
            boolean peak = (i + 1 >= distances.size() || d >= distances.get(i + 1)) && d >= distances.get(i - 1);
            if (d >= threshold && peak && i - start >= MIN_SHOT_FRAMES) {
                shots.add(new int[] {start, i - 1});
                start = i;
            }
        }
        shots.add(new int[] {start, (int) Math.max(start, frames - 1)});
        return shots;
    }
}
