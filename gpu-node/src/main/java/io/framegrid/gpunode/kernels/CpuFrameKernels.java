package io.framegrid.gpunode.kernels;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Plain-Java twins of the CUDA kernels in {@code src/main/cuda}: the same algorithms, arithmetic and rounding,
 * so that GPU and CPU results agree and the CPU path serves every call on machines without CUDA.
 */
public final class CpuFrameKernels implements FrameKernels {

    /** Jacobi passes after the onion-peel fill; enough to blend seams of text-sized regions. */
    static final int INPAINT_SMOOTH_ITERATIONS = 30;

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public TensorBatch preprocess(List<Mat> frames, PreprocessSpec spec) {
        int w = spec.width();
        int h = spec.height();
        int plane = w * h;
        float[] out = new float[frames.size() * 3 * plane];
        List<Letterbox> boxes = new ArrayList<>(frames.size());
        float[] invStd = {1f / spec.std()[0], 1f / spec.std()[1], 1f / spec.std()[2]};
        for (int n = 0; n < frames.size(); n++) {
            Mat frame = frames.get(n);
            byte[] src = MatBytes.bgr(frame);
            Letterbox box = spec.letterboxFor(frame.cols(), frame.rows());
            boxes.add(box);
            letterboxChw(src, frame.cols(), frame.rows(), out, n * 3 * plane, w, h, box, spec, invStd);
        }
        return new TensorBatch(out, frames.size(), 3, h, w, List.copyOf(boxes));
    }

    private static void letterboxChw(byte[] src, int srcW, int srcH, float[] dst, int base, int dstW, int dstH,
            Letterbox box, PreprocessSpec spec, float[] invStd) {
        int plane = dstW * dstH;
        float scale = spec.scale();
        float[] mean = spec.mean();
        float ratioX = (float) srcW / (float) box.newWidth();
        float ratioY = (float) srcH / (float) box.newHeight();
        float[] v = new float[3];
        // Per-column sampling positions are the same for every row: compute them once.
        int[] x0s = new int[box.newWidth()];
        int[] x1s = new int[box.newWidth()];
        float[] fxs = new float[box.newWidth()];
        for (int rx = 0; rx < box.newWidth(); rx++) {
            float sx = (rx + 0.5f) * ratioX - 0.5f;
            int x0 = (int) Math.floor(sx);
            float fx = sx - x0;
            if (x0 < 0) {
                x0 = 0;
                fx = 0f;
            }
            if (x0 >= srcW - 1) {
                x0 = srcW - 1;
                fx = 0f;
            }
            x0s[rx] = x0;
            x1s[rx] = x0 + (x0 < srcW - 1 ? 1 : 0);
            fxs[rx] = fx;
        }
        for (int y = 0; y < dstH; y++) {
            int ry = y - box.offY();
            boolean rowInside = ry >= 0 && ry < box.newHeight();
            int r0 = 0;
            int r1 = 0;
            float fy = 0f;
            if (rowInside) {
                float sy = (ry + 0.5f) * ratioY - 0.5f;
                int y0 = (int) Math.floor(sy);
                fy = sy - y0;
                if (y0 < 0) {
                    y0 = 0;
                    fy = 0f;
                }
                if (y0 >= srcH - 1) {
                    y0 = srcH - 1;
                    fy = 0f;
                }
                int y1 = y0 + (y0 < srcH - 1 ? 1 : 0);
                r0 = y0 * srcW * 3;
                r1 = y1 * srcW * 3;
            }
            for (int x = 0; x < dstW; x++) {
                int rx = x - box.offX();
                if (!rowInside || rx < 0 || rx >= box.newWidth()) {
                    v[0] = spec.padValue();
                    v[1] = spec.padValue();
                    v[2] = spec.padValue();
                } else {
                    int a = x0s[rx] * 3;
                    int b = x1s[rx] * 3;
                    float fx = fxs[rx];
                    for (int c = 0; c < 3; c++) {
                        float top = (src[r0 + a + c] & 0xff) * (1f - fx) + (src[r0 + b + c] & 0xff) * fx;
                        float bot = (src[r1 + a + c] & 0xff) * (1f - fx) + (src[r1 + b + c] & 0xff) * fx;
                        v[c] = (float) Math.rint(top * (1f - fy) + bot * fy);
                    }
                }
                int at = base + y * dstW + x;
                float c0 = spec.swapRB() ? v[2] : v[0];
                float c2 = spec.swapRB() ? v[0] : v[2];
                dst[at] = (c0 * scale - mean[0]) * invStd[0];
                dst[at + plane] = (v[1] * scale - mean[1]) * invStd[1];
                dst[at + 2 * plane] = (c2 * scale - mean[2]) * invStd[2];
            }
        }
    }

    @Override
    public float[] histogram(Mat frame, int bins) {
        byte[] px = MatBytes.bgr(frame);
        int[] counts = new int[4 * bins];
        for (int i = 0; i < px.length; i += 3) {
            int b = px[i] & 0xff;
            int g = px[i + 1] & 0xff;
            int r = px[i + 2] & 0xff;
            counts[b * bins / 256]++;
            counts[bins + g * bins / 256]++;
            counts[2 * bins + r * bins / 256]++;
            counts[3 * bins + luma(b, g, r) * bins / 256]++;
        }
        return normalise(counts, px.length / 3);
    }

    static float[] normalise(int[] counts, int pixels) {
        float[] out = new float[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = (float) counts[i] / pixels;
        }
        return out;
    }

    /** OpenCV's fixed-point BGR2GRAY: identical results to cvtColor. */
    static int luma(int b, int g, int r) {
        return (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14;
    }

    @Override
    public Mat inpaint(Mat frame, Mat mask) {
        int w = frame.cols();
        int h = frame.rows();
        if (mask.cols() != w || mask.rows() != h) {
            throw new IllegalArgumentException("mask size differs from the frame");
        }
        byte[] px = MatBytes.bgr(frame);
        byte[] m = MatBytes.mask(mask);
        float[] img = new float[w * h * 3];
        byte[] known = new byte[w * h];
        for (int i = 0; i < w * h; i++) {
            boolean fill = m[i] != 0;
            known[i] = (byte) (fill ? 0 : 1);
            for (int c = 0; c < 3; c++) {
                img[i * 3 + c] = fill ? 0f : px[i * 3 + c] & 0xff;
            }
        }
        int[] roi = boundingBox(m, w, h);
        if (roi == null) {
            return frame.clone();
        }
        float[] img2 = img.clone();
        byte[] known2 = known.clone();
        // Onion peel, double-buffered exactly like inpaint_peel: each pass fills the unknown pixels that touch
        // a known one with the mean of their known 8-neighbours.
        while (true) {
            int changed = peel(img, img2, known, known2, w, h, roi);
            float[] t = img;
            img = img2;
            img2 = t;
            byte[] k = known;
            known = known2;
            known2 = k;
            if (changed == 0) {
                break;
            }
        }
        for (int it = 0; it < INPAINT_SMOOTH_ITERATIONS; it++) {
            smooth(img, img2, m, w, h, roi);
            float[] t = img;
            img = img2;
            img2 = t;
        }
        return toBgr(img, px, w, h);
    }

    static Mat toBgr(float[] img, byte[] original, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.max(0, Math.min(255, Math.round(img[i])));
        }
        return MatBytes.toMat(out, w, h, CV_8UC3);
    }

    /** Masked region's bounding box grown by one pixel (the peel reads neighbours): {x0, y0, x1, y1} inclusive. */
    static int[] boundingBox(byte[] m, int w, int h) {
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (m[y * w + x] != 0) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) {
            return null;
        }
        return new int[] {Math.max(0, x0 - 1), Math.max(0, y0 - 1), Math.min(w - 1, x1 + 1), Math.min(h - 1, y1 + 1)};
    }

    private static int peel(float[] img, float[] out, byte[] known, byte[] knownOut, int w, int h, int[] roi) {
        int changed = 0;
        for (int y = roi[1]; y <= roi[3]; y++) {
            for (int x = roi[0]; x <= roi[2]; x++) {
                int i = y * w + x;
                out[i * 3] = img[i * 3];
                out[i * 3 + 1] = img[i * 3 + 1];
                out[i * 3 + 2] = img[i * 3 + 2];
                knownOut[i] = known[i];
                if (known[i] != 0) {
                    continue;
                }
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                int n = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if ((dx | dy) == 0 || xx < 0 || yy < 0 || xx >= w || yy >= h) {
                            continue;
                        }
                        int j = yy * w + xx;
                        if (known[j] == 0) {
                            continue;
                        }
                        s0 += img[j * 3];
                        s1 += img[j * 3 + 1];
                        s2 += img[j * 3 + 2];
                        n++;
                    }
                }
                if (n > 0) {
                    out[i * 3] = s0 / n;
                    out[i * 3 + 1] = s1 / n;
                    out[i * 3 + 2] = s2 / n;
                    knownOut[i] = 1;
                    changed++;
                }
            }
        }
        return changed;
    }

    private static void smooth(float[] img, float[] out, byte[] mask, int w, int h, int[] roi) {
        for (int y = roi[1]; y <= roi[3]; y++) {
            for (int x = roi[0]; x <= roi[2]; x++) {
                int i = y * w + x;
                if (mask[i] == 0) {
                    out[i * 3] = img[i * 3];
                    out[i * 3 + 1] = img[i * 3 + 1];
                    out[i * 3 + 2] = img[i * 3 + 2];
                    continue;
                }
                int l = y * w + Math.max(x - 1, 0);
                int r = y * w + Math.min(x + 1, w - 1);
                int u = Math.max(y - 1, 0) * w + x;
                int d = Math.min(y + 1, h - 1) * w + x;
                for (int c = 0; c < 3; c++) {
                    out[i * 3 + c] = 0.25f * (img[l * 3 + c] + img[r * 3 + c] + img[u * 3 + c] + img[d * 3 + c]);
                }
            }
        }
    }

    @Override
    public MotionStats frameDifference(Mat previous, Mat current, int threshold) {
        if (previous.cols() != current.cols() || previous.rows() != current.rows()) {
            throw new IllegalArgumentException("frames differ in size");
        }
        byte[] a = MatBytes.bgr(previous);
        byte[] b = MatBytes.bgr(current);
        long sum = 0;
        long count = 0;
        for (int i = 0; i < a.length; i += 3) {
            int ya = luma(a[i] & 0xff, a[i + 1] & 0xff, a[i + 2] & 0xff);
            int yb = luma(b[i] & 0xff, b[i + 1] & 0xff, b[i + 2] & 0xff);
            int d = Math.abs(ya - yb);
            sum += d;
            if (d > threshold) {
                count++;
            }
        }
        int pixels = a.length / 3;
        return new MotionStats((double) sum / pixels, (double) count / pixels);
    }

    @Override
    public double laplacianVariance(Mat grey) {
        MatBytes.requireMask(grey);
        return io.framegrid.gpunode.engine.sharpness.LaplacianVariance.reference(MatBytes.mask(grey), grey.cols(),
                grey.rows());
    }
}
