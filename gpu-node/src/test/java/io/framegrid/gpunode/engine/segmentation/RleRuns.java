package io.framegrid.gpunode.engine.segmentation;

import java.util.Arrays;

/** Test fixture: expands an RLE mask back to pixels, following the spec's prose (runs start with zeros). */
public final class RleRuns {
    private RleRuns() {
    }

    /** One flag per pixel, as many as the runs cover. */
    public static boolean[] decode(String rle) {
        String[] parts = rle.split(",");
        long total = 0;
        for (String p : parts) {
            total += Long.parseLong(p.trim());
        }
        boolean[] out = new boolean[Math.toIntExact(total)];
        int at = 0;
        boolean ones = false;
        for (String p : parts) {
            int count = Integer.parseInt(p.trim());
            if (ones) {
                Arrays.fill(out, at, at + count, true);
            }
            at += count;
            ones = !ones;
        }
        return out;
    }
}
