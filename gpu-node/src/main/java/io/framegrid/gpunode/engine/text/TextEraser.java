package io.framegrid.gpunode.engine.text;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_photo.INPAINT_TELEA;
import static org.bytedeco.opencv.global.opencv_photo.inpaint;

import io.framegrid.gpunode.kernels.FrameKernels;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Erases masked areas of consecutive frames, temporal fill first: a masked pixel takes its value from the nearest
 * frames (alternately before and after, up to {@link Settings#window()} frames away, same shot only) that show that
 * scene point unmasked, found through the camera motion between the frames ({@link CameraMotion}, composed frame to
 * frame) and sampled bilinearly: the per-channel median of the first {@link Settings#samples()} such samples. Only pixels no such frame shows are filled spatially: OpenCV Telea (radius
 * {@link Settings#teleaRadius()}) on the rest of the mask, or the node's inpaint kernel. One instance per range
 * (it caches the motion between its frames); not thread-safe.
 */
public final class TextEraser {

    /** How pixels that no neighbouring frame shows are filled. */
    public enum SpatialFill {
        /** OpenCV Telea (fast marching), on the masked area's bounding box. */
        TELEA,
        /** The node's {@link FrameKernels#inpaint} (the CUDA kernel where the node has a GPU, else its CPU twin). */
        KERNEL
    }

    /**
     * @param window      frames searched on each side of a frame for background
     * @param samples     background samples a pixel collects from the nearest frames showing it; it gets their
     *                    per-channel median (1 = the nearest frame's value)
     * @param spatial     what fills the rest
     * @param teleaRadius Telea's neighbourhood radius in pixels
     */
    public record Settings(int window, int samples, SpatialFill spatial, int teleaRadius) {
        public Settings {
            if (window < 0 || samples < 1 || teleaRadius < 1) {
                throw new IllegalArgumentException("bad eraser settings");
            }
        }

        /** 40 frames each side, median of up to 5 samples, Telea radius 3. */
        public static Settings defaults() {
            return new Settings(40, 5, SpatialFill.TELEA, 3);
        }
    }

    /**
     * Cleaned frames with how they were filled.
     *
     * @param frames         one per emitted frame; a frame with nothing to erase is the input {@link Mat} itself
     * @param maskedPixels   masked pixels over the emitted frames
     * @param temporalPixels of those, filled from another frame (the rest were inpainted)
     */
    public record Erased(List<Mat> frames, long maskedPixels, long temporalPixels) {
    }

    private final Settings settings;
    private final FrameKernels kernels;
    private final CameraMotion motion = new CameraMotion();

    /** @param kernels used only for {@link SpatialFill#KERNEL} (may be null otherwise) */
    public TextEraser(Settings settings, FrameKernels kernels) {
        this.settings = settings;
        this.kernels = kernels;
    }

    /**
     * Erases {@code masks.get(i)} (frame pixels, already dilated) from {@code frames.get(i)} for i in
     * {@code [emitFrom, emitTo]}; every frame of the list may lend background.
     *
     * @param frames consecutive 8-bit BGR frames of one size
     * @param shot   shot number of each frame: no background is taken across a cut
     */
    public Erased erase(List<Mat> frames, List<List<TextBox>> masks, int[] shot, int emitFrom, int emitTo) {
        if (frames.size() != masks.size() || frames.size() != shot.length || emitFrom < 0 || emitTo >= frames.size()) {
            throw new IllegalArgumentException("frames, masks and shots differ in length or the emit range is outside");
        }
        Range range = new Range(frames, masks, shot);
        List<Mat> out = new ArrayList<>(emitTo - emitFrom + 1);
        long masked = 0;
        long temporal = 0;
        for (int t = emitFrom; t <= emitTo; t++) {
            if (masks.get(t).isEmpty()) {
                out.add(frames.get(t));
                continue;
            }
            long[] counts = new long[2];
            out.add(eraseOne(range, t, counts));
            masked += counts[0];
            temporal += counts[1];
        }
        return new Erased(out, masked, temporal);
    }

    private final class Range {
        final List<Mat> frames;
        final List<List<TextBox>> masks;
        final int[] shot;
        final int w;
        final int h;
        final Map<Integer, CameraMotion.View> views = new HashMap<>();
        final Map<Integer, double[]> forward = new HashMap<>(); // i → H(frame i-1 → frame i)
        final int[][] boxes; // per frame: x0, y0, x1, y1 (exclusive) of each mask box

        Range(List<Mat> frames, List<List<TextBox>> masks, int[] shot) {
            this.frames = frames;
            this.masks = masks;
            this.shot = shot;
            this.w = frames.get(0).cols();
            this.h = frames.get(0).rows();
            this.boxes = new int[masks.size()][];
            for (int i = 0; i < masks.size(); i++) {
                List<TextBox> m = masks.get(i);
                boxes[i] = new int[m.size() * 4];
                for (int b = 0; b < m.size(); b++) {
                    boxes[i][4 * b] = m.get(b).x();
                    boxes[i][4 * b + 1] = m.get(b).y();
                    boxes[i][4 * b + 2] = m.get(b).right();
                    boxes[i][4 * b + 3] = m.get(b).bottom();
                }
            }
            for (Mat f : frames) {
                if (f.cols() != w || f.rows() != h || f.type() != CV_8UC3 || !f.isContinuous()) {
                    throw new IllegalArgumentException("frames must be continuous 8-bit BGR of one size");
                }
            }
        }

        double[] step(int i) {
            return forward.computeIfAbsent(i, k -> motion.between(view(k - 1), view(k)));
        }

        CameraMotion.View view(int i) {
            return views.computeIfAbsent(i, k -> motion.view(frames.get(k), masks.get(k)));
        }
    }

    private Mat eraseOne(Range r, int t, long[] counts) {
        int w = r.w;
        int h = r.h;
        List<TextBox> boxes = r.masks.get(t);
        TextBox roi = boxes.get(0);
        for (TextBox b : boxes) {
            roi = roi.union(b);
        }
        roi = roi.clip(w, h);
        int[] pixels = new int[(int) roi.area()];
        int n = 0;
        for (int y = roi.y(); y < roi.bottom(); y++) {
            for (int x = roi.x(); x < roi.right(); x++) {
                if (inside(boxes, x, y)) {
                    pixels[n++] = y * w + x;
                }
            }
        }
        counts[0] = n;
        Samples samples = new Samples(pixels, n, settings.samples());
        double[] towardsAfter = CameraMotion.IDENTITY;
        double[] towardsBefore = CameraMotion.IDENTITY;
        boolean before = true;
        boolean after = true;
        for (int k = 1; k <= settings.window() && samples.active > 0 && (before || after); k++) {
            int b = t - k;
            if (before && b >= 0 && r.shot[b] == r.shot[t]) {
                // H(t → b) = H(b → b+1)^-1 · H(t → b+1)
                towardsBefore = CameraMotion.compose(CameraMotion.invert(r.step(b + 1)), towardsBefore);
                collect(r, b, towardsBefore, samples);
            } else {
                before = false;
            }
            int a = t + k;
            if (after && samples.active > 0) {
                if (a < r.frames.size() && r.shot[a] == r.shot[t]) {
                    towardsAfter = CameraMotion.compose(r.step(a), towardsAfter);
                    collect(r, a, towardsAfter, samples);
                } else {
                    after = false;
                }
            }
        }
        Mat result = r.frames.get(t).clone();
        ByteBuffer dst = result.createBuffer();
        int left = samples.write(dst);
        counts[1] = counts[0] - left;
        if (left == 0) {
            return result;
        }
        Mat rest = new Mat(h, w, CV_8UC1, new Scalar(0));
        ByteBuffer m = rest.createBuffer();
        for (int i = 0; i < n; i++) {
            if (samples.got[i] == 0) {
                m.put(pixels[i], (byte) 255);
            }
        }
        if (settings.spatial() == SpatialFill.KERNEL) {
            return kernels.inpaint(result, rest);
        }
        // Telea reads pixels within its radius of the mask; a margin beyond that keeps the crop's result exact.
        TextBox crop = roi.grow(settings.teleaRadius() + 2, w, h);
        Rect rect = new Rect(crop.x(), crop.y(), crop.width(), crop.height());
        Mat src = new Mat(result, rect).clone();
        Mat filled = new Mat();
        inpaint(src, new Mat(rest, rect).clone(), filled, settings.teleaRadius(), INPAINT_TELEA);
        filled.copyTo(new Mat(result, rect));
        return result;
    }

    /**
     * Background samples per masked pixel, nearest frames first; a pixel stops collecting at {@code wanted} samples
     * and is written as their per-channel median (robust to someone walking through the background in one of them).
     */
    private static final class Samples {
        final int[] pixels;
        final int n;
        final int wanted;
        final byte[] values;
        final int[] got;
        final int[] activeList;
        int active;

        Samples(int[] pixels, int n, int wanted) {
            this.pixels = pixels;
            this.n = n;
            this.wanted = wanted;
            this.values = new byte[n * wanted * 3];
            this.got = new int[n];
            this.activeList = new int[n];
            for (int i = 0; i < n; i++) {
                activeList[i] = i;
            }
            this.active = n;
        }

        void add(int i, int b, int g, int r) {
            int o = (i * wanted + got[i]) * 3;
            values[o] = (byte) b;
            values[o + 1] = (byte) g;
            values[o + 2] = (byte) r;
            got[i]++;
        }

        /** Writes the medians; returns how many pixels got no sample. */
        int write(ByteBuffer dst) {
            int none = 0;
            int[] v = new int[wanted];
            for (int i = 0; i < n; i++) {
                int k = got[i];
                if (k == 0) {
                    none++;
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    for (int j = 0; j < k; j++) {
                        v[j] = values[(i * wanted + j) * 3 + c] & 0xff;
                    }
                    java.util.Arrays.sort(v, 0, k);
                    int median = (k & 1) == 1 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2] + 1) / 2;
                    dst.put(pixels[i] * 3 + c, (byte) median);
                }
            }
            return none;
        }
    }

    /** Adds a sample from frame {@code other} to every collecting pixel that frame shows unmasked. */
    private static void collect(Range r, int other, double[] toOther, Samples s) {
        int w = r.w;
        int h = r.h;
        int[] otherMask = r.boxes[other];
        ByteBuffer src = r.frames.get(other).createBuffer();
        boolean identity = java.util.Arrays.equals(toOther, CameraMotion.IDENTITY);
        int[] c = new int[3];
        int kept = 0;
        for (int a = 0; a < s.active; a++) {
            int i = s.activeList[a];
            int p = s.pixels[i];
            int x = p % w;
            int y = p / w;
            if (identity) {
                if (!inside(otherMask, x, y)) {
                    int o = p * 3;
                    s.add(i, src.get(o) & 0xff, src.get(o + 1) & 0xff, src.get(o + 2) & 0xff);
                }
            } else {
                double z = toOther[6] * x + toOther[7] * y + toOther[8];
                double sx = (toOther[0] * x + toOther[1] * y + toOther[2]) / z;
                double sy = (toOther[3] * x + toOther[4] * y + toOther[5]) / z;
                if (sx >= 0 && sy >= 0 && sx <= w - 1 && sy <= h - 1) {
                    int x0 = (int) sx;
                    int y0 = (int) sy;
                    int x1 = Math.min(w - 1, x0 + 1);
                    int y1 = Math.min(h - 1, y0 + 1);
                    if (!inside(otherMask, x0, y0) && !inside(otherMask, x1, y0) && !inside(otherMask, x0, y1)
                            && !inside(otherMask, x1, y1)) {
                        double fx = sx - x0;
                        double fy = sy - y0;
                        int i00 = (y0 * w + x0) * 3;
                        int i10 = (y0 * w + x1) * 3;
                        int i01 = (y1 * w + x0) * 3;
                        int i11 = (y1 * w + x1) * 3;
                        for (int ch = 0; ch < 3; ch++) {
                            double top = (src.get(i00 + ch) & 0xff) * (1 - fx) + (src.get(i10 + ch) & 0xff) * fx;
                            double bottom = (src.get(i01 + ch) & 0xff) * (1 - fx) + (src.get(i11 + ch) & 0xff) * fx;
                            c[ch] = (int) Math.round(top * (1 - fy) + bottom * fy);
                        }
                        s.add(i, c[0], c[1], c[2]);
                    }
                }
            }
            if (s.got[i] < s.wanted) {
                s.activeList[kept++] = i;
            }
        }
        s.active = kept;
    }

    private static boolean inside(int[] boxes, int x, int y) {
        for (int b = 0; b < boxes.length; b += 4) {
            if (x >= boxes[b] && y >= boxes[b + 1] && x < boxes[b + 2] && y < boxes[b + 3]) {
                return true;
            }
        }
        return false;
    }

    private static boolean inside(List<TextBox> boxes, int x, int y) {
        for (TextBox b : boxes) {
            if (b.contains(x, y)) {
                return true;
            }
        }
        return false;
    }
}
