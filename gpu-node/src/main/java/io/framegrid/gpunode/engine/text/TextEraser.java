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
 * frame (alternately before and after, up to {@link Settings#window()} frames away, same shot only) that shows that
 * scene point unmasked, found through the camera motion between the frames ({@link CameraMotion}, composed frame to
 * frame) and sampled bilinearly. Only pixels no such frame shows are filled spatially: OpenCV Telea (radius
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
     * @param spatial     what fills the rest
     * @param teleaRadius Telea's neighbourhood radius in pixels
     */
    public record Settings(int window, SpatialFill spatial, int teleaRadius) {
        public Settings {
            if (window < 0 || teleaRadius < 1) {
                throw new IllegalArgumentException("bad eraser settings");
            }
        }

        /** 40 frames each side, Telea radius 3. */
        public static Settings defaults() {
            return new Settings(40, SpatialFill.TELEA, 3);
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

        Range(List<Mat> frames, List<List<TextBox>> masks, int[] shot) {
            this.frames = frames;
            this.masks = masks;
            this.shot = shot;
            this.w = frames.get(0).cols();
            this.h = frames.get(0).rows();
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
        int[] todo = new int[(int) roi.area()];
        int n = 0;
        for (int y = roi.y(); y < roi.bottom(); y++) {
            for (int x = roi.x(); x < roi.right(); x++) {
                if (inside(boxes, x, y)) {
                    todo[n++] = y * w + x;
                }
            }
        }
        counts[0] = n;
        Mat result = r.frames.get(t).clone();
        ByteBuffer dst = result.createBuffer();
        double[] towardsAfter = CameraMotion.IDENTITY;
        double[] towardsBefore = CameraMotion.IDENTITY;
        boolean before = true;
        boolean after = true;
        for (int k = 1; k <= settings.window() && n > 0 && (before || after); k++) {
            int b = t - k;
            if (before && b >= 0 && r.shot[b] == r.shot[t]) {
                // H(t → b) = H(b → b+1)^-1 · H(t → b+1)
                towardsBefore = CameraMotion.compose(CameraMotion.invert(r.step(b + 1)), towardsBefore);
                n = fill(r, b, towardsBefore, todo, n, dst);
            } else {
                before = false;
            }
            int a = t + k;
            if (after && n > 0) {
                if (a < r.frames.size() && r.shot[a] == r.shot[t]) {
                    towardsAfter = CameraMotion.compose(r.step(a), towardsAfter);
                    n = fill(r, a, towardsAfter, todo, n, dst);
                } else {
                    after = false;
                }
            }
        }
        counts[1] = counts[0] - n;
        if (n == 0) {
            return result;
        }
        Mat rest = new Mat(h, w, CV_8UC1, new Scalar(0));
        ByteBuffer m = rest.createBuffer();
        for (int i = 0; i < n; i++) {
            m.put(todo[i], (byte) 255);
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

    /** Fills the pixels of {@code todo[0..n)} that frame {@code other} shows unmasked; returns how many remain. */
    private static int fill(Range r, int other, double[] toOther, int[] todo, int n, ByteBuffer dst) {
        int w = r.w;
        int h = r.h;
        List<TextBox> otherMask = r.masks.get(other);
        ByteBuffer src = r.frames.get(other).createBuffer();
        boolean identity = toOther == CameraMotion.IDENTITY || java.util.Arrays.equals(toOther, CameraMotion.IDENTITY);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int p = todo[i];
            int x = p % w;
            int y = p / w;
            if (identity) {
                if (inside(otherMask, x, y)) {
                    todo[kept++] = p;
                    continue;
                }
                int o = p * 3;
                dst.put(o, src.get(o));
                dst.put(o + 1, src.get(o + 1));
                dst.put(o + 2, src.get(o + 2));
                continue;
            }
            double z = toOther[6] * x + toOther[7] * y + toOther[8];
            double sx = (toOther[0] * x + toOther[1] * y + toOther[2]) / z;
            double sy = (toOther[3] * x + toOther[4] * y + toOther[5]) / z;
            if (!(sx >= 0 && sy >= 0 && sx <= w - 1 && sy <= h - 1)) {
                todo[kept++] = p;
                continue;
            }
            int x0 = (int) sx;
            int y0 = (int) sy;
            int x1 = Math.min(w - 1, x0 + 1);
            int y1 = Math.min(h - 1, y0 + 1);
            if (inside(otherMask, x0, y0) || inside(otherMask, x1, y0) || inside(otherMask, x0, y1)
                    || inside(otherMask, x1, y1)) {
                todo[kept++] = p;
                continue;
            }
            double fx = sx - x0;
            double fy = sy - y0;
            int i00 = (y0 * w + x0) * 3;
            int i10 = (y0 * w + x1) * 3;
            int i01 = (y1 * w + x0) * 3;
            int i11 = (y1 * w + x1) * 3;
            for (int c = 0; c < 3; c++) {
                double top = (src.get(i00 + c) & 0xff) * (1 - fx) + (src.get(i10 + c) & 0xff) * fx;
                double bottom = (src.get(i01 + c) & 0xff) * (1 - fx) + (src.get(i11 + c) & 0xff) * fx;
                dst.put(p * 3 + c, (byte) Math.round(top * (1 - fy) + bottom * fy));
            }
        }
        return kept;
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
