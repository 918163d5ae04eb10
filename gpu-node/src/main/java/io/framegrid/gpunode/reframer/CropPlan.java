package io.framegrid.gpunode.reframer;

import java.util.List;

/**
 * A crop window of the target aspect, per frame. Per scene: when every person seen in the scene fits in one window,
 * the window stands still on them (no camera motion added); otherwise it follows the people's centre, interpolated
 * between analysed frames and smoothed over about one second so it glides rather than jitters. Scenes without
 * people are centred. The window never straddles a cut: each scene is planned on its own.
 */
record CropPlan(int sourceWidth, int sourceHeight, int width, int height) {

    /** The largest window of {@code aspectW:aspectH} inside the frame, with even sides (H.264 4:2:0). */
    static CropPlan of(int sourceWidth, int sourceHeight, int aspectW, int aspectH) {
        int w = sourceWidth;
        int h = (int) ((long) sourceWidth * aspectH / aspectW);
        if (h > sourceHeight) {
            h = sourceHeight;
            w = (int) ((long) sourceHeight * aspectW / aspectH);
        }
        return new CropPlan(sourceWidth, sourceHeight, Math.max(2, w & ~1), Math.max(2, h & ~1));
    }

    /** Person boxes ({@code x, y, w, h}) of one analysed frame. */
    record Sample(long frame, List<double[]> persons) {}

    /** {@code [xs, ys]}: the window's top-left corner for each of {@code frames} frames. */
    int[][] plan(List<int[]> scenes, List<Sample> samples, int frames, double fps) {
        int n = Math.max(1, frames);
        int[] xs = new int[n];
        int[] ys = new int[n];
        for (int[] scene : scenes) {
            int from = scene[0];
            int to = Math.min(n - 1, scene[1]);
            if (from > to) {
                continue;
            }
            List<Sample> inScene = samples.stream()
                    .filter(s -> s.frame() >= from && s.frame() <= to && !s.persons().isEmpty()).toList();
            fill(xs, from, to, inScene, 0, sourceWidth, width, fps);
            fill(ys, from, to, inScene, 1, sourceHeight, height, fps);
        }
        return new int[][] {xs, ys};
    }

    private static void fill(int[] out, int from, int to, List<Sample> samples, int axis, int source, int window,
            double fps) {
        int max = source - window;
        if (max <= 0 || samples.isEmpty()) {
            java.util.Arrays.fill(out, from, to + 1, Math.max(0, max / 2));
            return;
        }
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (Sample s : samples) {
            for (double[] b : s.persons()) {
                lo = Math.min(lo, b[axis]);
                hi = Math.max(hi, b[axis] + b[axis + 2]);
            }
        }
        if (hi - lo <= window) {
            java.util.Arrays.fill(out, from, to + 1, clamp((int) Math.round((lo + hi) / 2 - window / 2.0), max));
            return;
        }
        // Follow: people's mean centre at each analysed frame, linear in between, then a centred moving average.
        int len = to - from + 1;
        double[] centre = new double[len];
        int k = 0;
        for (int i = 0; i < len; i++) {
            long f = from + i;
            while (k + 1 < samples.size() && samples.get(k + 1).frame() <= f) {
                k++;
            }
            Sample a = samples.get(k);
            Sample b = k + 1 < samples.size() ? samples.get(k + 1) : a;
            double ca = meanCentre(a, axis);
            double cb = meanCentre(b, axis);
            if (f <= a.frame() || b == a) {
                centre[i] = ca;
            } else {
                double t = (double) (f - a.frame()) / (b.frame() - a.frame());
                centre[i] = ca + (cb - ca) * t;
            }
        }
        int radius = Math.max(1, (int) Math.round(fps / 2));
        double[] prefix = new double[len + 1];
        for (int i = 0; i < len; i++) {
            prefix[i + 1] = prefix[i] + centre[i];
        }
        for (int i = 0; i < len; i++) {
            int a = Math.max(0, i - radius);
            int b = Math.min(len, i + radius + 1);
            double smooth = (prefix[b] - prefix[a]) / (b - a);
            out[from + i] = clamp((int) Math.round(smooth - window / 2.0), max);
        }
    }

    private static double meanCentre(Sample s, int axis) {
        return s.persons().stream().mapToDouble(b -> b[axis] + b[axis + 2] / 2).average().orElse(0);
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
