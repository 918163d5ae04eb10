package io.framegrid.gpunode.engine.segmentation;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_imgproc.GC_INIT_WITH_RECT;

import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.inference.InferenceException;
import io.framegrid.gpunode.inference.SelfieSegmenter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full-frame segmentation masks of tracked objects, as the reframer's RLE. Two methods:
 * <ul>
 * <li>{@link Method#GRABCUT}: GrabCut seeded by the box (outside the box is background), on the box plus a margin;</li>
 * <li>{@link Method#PERSON_MODEL}: the MediaPipe person-segmentation model ({@link SelfieSegmenter}) on a square
 * crop around the box with a margin, resized to the model's 256×256, thresholded at 0.5, mapped back to the frame
 * and clipped to the box plus a small margin.</li>
 * </ul>
 * Which one runs is chosen per object class and box size by a {@link Policy}, whose defaults come from the
 * measurement in {@code framegrid bench masks} (gpu-node README, "Segmentation masks"). Without
 * a segmenter every mask is GrabCut. A mask that comes out empty falls back to GrabCut, then to the box itself.
 *
 * <p>Thread-safe: GrabCut works on per-call copies, and the segmenter serialises its model runs (one OpenCV DNN
 * {@code Net} is not thread-safe), so one masker may be shared by several task threads.
 */
public final class ObjectMasker {

    /** The model id of the person-segmentation model in the model registry. */
    public static final String PERSON_MODEL_ID = "selfie-segmentation";
    private static final Logger LOG = LoggerFactory.getLogger(ObjectMasker.class);

    /** How a mask is made. */
    public enum Method { GRABCUT, PERSON_MODEL }

    /** Crop margin around the box for the model, as a share of the box's longer side (each side). */
    static final double MODEL_CROP_MARGIN = 0.15;
    /** The model's mask is kept only within the box plus this share of its size (each side). */
    static final double MODEL_CLIP_MARGIN = 0.05;
    private static final float MODEL_THRESHOLD = 0.5f;
    private static final int GRABCUT_ITERATIONS = 2;
    private static final int GRABCUT_SEED = 0x5eed;

    /**
     * Persons whose box height lies in {@code [personModelMinHeight, personModelMaxHeight)} pixels get the person
     * model; everything else (other classes, other sizes) gets GrabCut.
     */
    public record Policy(int personModelMinHeight, int personModelMaxHeight) {
        public Policy {
            if (personModelMinHeight < 0 || personModelMaxHeight < personModelMinHeight) {
                throw new IllegalArgumentException("bad person-model height range [" + personModelMinHeight + ", "
                        + personModelMaxHeight + ")");
            }
        }

        /**
         * The defaults measured on vtest.avi (gpu-node README, "Segmentation masks"): persons of any box height use
         * the model, everything else GrabCut.
         */
        public static Policy measured() {
            return new Policy(MEASURED_MIN_HEIGHT, MEASURED_MAX_HEIGHT);
        }

        /** GrabCut for everything. */
        public static Policy grabCutOnly() {
            return new Policy(0, 0);
        }

        /** The method for an object of this class and box size. */
        public Method choose(String cls, int width, int height) {
            return "person".equals(cls) && height >= personModelMinHeight && height < personModelMaxHeight
                    ? Method.PERSON_MODEL : Method.GRABCUT;
        }
    }

    // From the measurement (MaskBenchmark, gpu-node README "Segmentation masks"): on vtest.avi person boxes of every
    // height bucket (< 40 px up to >= 300 px, the larger ones from 2x/3x upscaled frames) the model's mean IoU against
    // the median-background reference is at least GrabCut's (0.828 vs 0.764 over 1085 boxes; >= 300 px a tie, 0.810
    // vs 0.809, where the model is the faster). So persons of every height use the model. The model is a person
    // model: other classes (products) always use GrabCut.
    static final int MEASURED_MIN_HEIGHT = 0;
    static final int MEASURED_MAX_HEIGHT = Integer.MAX_VALUE;

    private final SelfieSegmenter segmenter;
    private final Policy policy;

    /**
     * @param segmenter the person-segmentation model, or {@code null} when it is not available (then every mask is
     *                  GrabCut)
     * @param policy    which method for which class and size
     */
    public ObjectMasker(SelfieSegmenter segmenter, Policy policy) {
        this.segmenter = segmenter;
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * The masker for a gpu-node's engine: the engine's {@code selfie-segmentation} model (loaded now if needed, owned
     * and closed by the engine, shared with its inference service) with the measured policy; GrabCut only when the
     * engine has no such model, it is deactivated, or it fails to load.
     */
    public static ObjectMasker forEngine(InferenceEngine engine) {
        SelfieSegmenter segmenter = null;
        if (engine.registry().find(PERSON_MODEL_ID).isPresent() && engine.registry().isActive(PERSON_MODEL_ID)) {
            try {
                if (engine.detector(PERSON_MODEL_ID) instanceof SelfieSegmenter s) {
                    segmenter = s;
                }
            } catch (InferenceException e) {
                LOG.warn("Person-segmentation model unavailable, masks fall back to GrabCut: {}", e.getMessage());
            }
        }
        return new ObjectMasker(segmenter, Policy.measured());
    }

    /** A masker without the model: GrabCut for every object. */
    public static ObjectMasker grabCutOnly() {
        return new ObjectMasker(null, Policy.grabCutOnly());
    }

    public Policy policy() {
        return policy;
    }

    /** Whether the person model is available to this masker. */
    public boolean hasModel() {
        return segmenter != null;
    }

    /** The method {@link #mask(Mat, String, int, int, int, int)} uses for this class and box size. */
    public Method methodFor(String cls, int width, int height) {
        return segmenter == null ? Method.GRABCUT : policy.choose(cls, width, height);
    }

    /**
     * The full-frame mask of the object of class {@code cls} (the reframer's {@code person}/{@code product}) in the
     * box {@code (x, y, w, h)} (pixels; clipped to the frame) of a BGR frame, by the method the policy chooses.
     */
    public Rle.Encoded mask(Mat frameBgr, String cls, int x, int y, int w, int h) {
        return mask(frameBgr, x, y, w, h, methodFor(cls, w, h));
    }

    /** The mask by the given method; {@link Method#PERSON_MODEL} needs the model ({@link #hasModel()}). */
    public Rle.Encoded mask(Mat frameBgr, int x, int y, int w, int h, Method method) {
        return Rle.encode(ByteBuffer.wrap(pixels(frameBgr, x, y, w, h, method)), frameBgr.cols(), frameBgr.rows());
    }

    /** The mask as one byte per frame pixel (1 = object), row-major; for measurements. */
    public byte[] pixels(Mat frameBgr, int x, int y, int w, int h, Method method) {
        int frameW = frameBgr.cols();
        int frameH = frameBgr.rows();
        int bx = Math.max(0, Math.min(x, frameW));
        int by = Math.max(0, Math.min(y, frameH));
        int bw = Math.max(0, Math.min(x + w, frameW) - bx);
        int bh = Math.max(0, Math.min(y + h, frameH) - by);
        byte[] full = new byte[frameW * frameH];
        if (bw == 0 || bh == 0) {
            return full;
        }
        boolean filled = false;
        if (method == Method.PERSON_MODEL) {
            if (segmenter == null) {
                throw new IllegalStateException("no person-segmentation model");
            }
            filled = model(frameBgr, bx, by, bw, bh, full);
        }
        if (!filled) {
            filled = grabCut(frameBgr, bx, by, bw, bh, full);
        }
        if (!filled) {
            // Too small (or nothing found): the box itself is the best mask there is.
            for (int r = by; r < by + bh; r++) {
                Arrays.fill(full, r * frameW + bx, r * frameW + bx + bw, (byte) 1);
            }
        }
        return full;
    }

    /** GrabCut seeded by the (clipped) box on the box plus a margin; false when it cannot run or finds nothing. */
    private static boolean grabCut(Mat image, int bx, int by, int bw, int bh, byte[] full) {
        int frameW = image.cols();
        int frameH = image.rows();
        int mx = Math.max(4, bw / 6);
        int my = Math.max(4, bh / 6);
        int rx = Math.max(0, bx - mx);
        int ry = Math.max(0, by - my);
        int rw = Math.min(frameW, bx + bw + mx) - rx;
        int rh = Math.min(frameH, by + bh + my) - ry;
        if (bw < 8 || bh < 8 || rw <= bw || rh <= bh) {
            return false;
        }
        boolean filled = false;
        try (Mat roi = new Mat(image, new Rect(rx, ry, rw, rh)); Mat region = roi.clone(); Mat gc = new Mat();
                Mat bgd = new Mat(); Mat fgd = new Mat()) {
            // GrabCut seeds its colour models with k-means on the thread's OpenCV RNG; a fixed seed makes the same
            // frame and box give the same mask on any thread, in any order.
            opencv_core.setRNGSeed(GRABCUT_SEED);
            opencv_imgproc.grabCut(region, gc, new Rect(bx - rx, by - ry, bw, bh), bgd, fgd, GRABCUT_ITERATIONS,
                    GC_INIT_WITH_RECT);
            byte[] labels = new byte[rw * rh];
            gc.data().get(labels);
            for (int r = 0; r < rh; r++) {
                for (int c = 0; c < rw; c++) {
                    byte v = labels[r * rw + c];
                    if (v == 1 || v == 3) {
                        full[(ry + r) * frameW + rx + c] = 1;
                        filled = true;
                    }
                }
            }
        }
        return filled;
    }

    /**
     * The person model on a square crop centred on the box (side = longer box side plus margins; parts outside the
     * frame replicate its border), thresholded and clipped to the box plus a small margin.
     */
    private boolean model(Mat image, int bx, int by, int bw, int bh, byte[] full) {
        int frameW = image.cols();
        int frameH = image.rows();
        if (bw < 4 || bh < 4) {
            return false;
        }
        int side = (int) Math.round(Math.max(bw, bh) * (1 + 2 * MODEL_CROP_MARGIN));
        int sx = bx + bw / 2 - side / 2;
        int sy = by + bh / 2 - side / 2;
        int ix = Math.max(0, sx);
        int iy = Math.max(0, sy);
        int iw = Math.min(frameW, sx + side) - ix;
        int ih = Math.min(frameH, sy + side) - iy;
        int cmx = Math.max(2, (int) Math.round(bw * MODEL_CLIP_MARGIN));
        int cmy = Math.max(2, (int) Math.round(bh * MODEL_CLIP_MARGIN));
        int kx0 = Math.max(Math.max(0, sx), bx - cmx);
        int ky0 = Math.max(Math.max(0, sy), by - cmy);
        int kx1 = Math.min(Math.min(frameW, sx + side), bx + bw + cmx);
        int ky1 = Math.min(Math.min(frameH, sy + side), by + bh + cmy);
        boolean filled = false;
        try (Mat roi = new Mat(image, new Rect(ix, iy, iw, ih)); Mat square = new Mat()) {
            opencv_core.copyMakeBorder(roi, square, iy - sy, sy + side - (iy + ih), ix - sx, sx + side - (ix + iw),
                    BORDER_REPLICATE, new Scalar(0, 0, 0, 0));
            try (Mat prob = segmenter.probability(square); FloatIndexer p = prob.createIndexer()) {
                for (int fy = ky0; fy < ky1; fy++) {
                    int row = fy - sy;
                    for (int fx = kx0; fx < kx1; fx++) {
                        if (p.get(row, fx - sx) >= MODEL_THRESHOLD) {
                            full[fy * frameW + fx] = 1;
                            filled = true;
                        }
                    }
                }
            }
        }
        return filled;
    }
}
