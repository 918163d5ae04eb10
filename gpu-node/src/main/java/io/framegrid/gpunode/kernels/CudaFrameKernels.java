package io.framegrid.gpunode.kernels;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The kernels on a CUDA device through the JCuda driver API, loading the PTX that the build compiled from
 * {@code src/main/cuda}. One context, made current on whichever thread calls; calls are serialised because the
 * per-call buffers are small and a single stream keeps the code obvious.
 */
final class CudaFrameKernels implements FrameKernels {

    private static final int BLOCK_2D = 16;

    private final CUcontext context;
    private final CUfunction letterbox;
    private final CUfunction histogram;
    private final CUfunction peel;
    private final CUfunction smooth;
    private final CUfunction frameDiff;
    private final CUfunction laplacianSums;

    CudaFrameKernels(CUcontext context, Map<String, byte[]> ptx) {
        this.context = context;
        cuCtxSetCurrent(context);
        this.letterbox = function(ptx.get("preprocess"), "letterbox_chw");
        this.histogram = function(ptx.get("histogram"), "histogram_bgry");
        this.peel = function(ptx.get("inpaint"), "inpaint_peel");
        this.smooth = function(ptx.get("inpaint"), "inpaint_smooth");
        this.frameDiff = function(ptx.get("framediff"), "frame_diff");
        this.laplacianSums = function(ptx.get("sharpness"), "laplacian_sums");
    }

    private static CUfunction function(byte[] image, String name) {
        CUmodule module = new CUmodule();
        cuModuleLoadData(module, image);
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, module, name);
        return f;
    }

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public synchronized TensorBatch preprocess(List<Mat> frames, PreprocessSpec spec) {
        cuCtxSetCurrent(context);
        int w = spec.width();
        int h = spec.height();
        long perImage = 3L * w * h;
        float[] out = new float[(int) (perImage * frames.size())];
        List<Letterbox> boxes = new ArrayList<>();
        CUdeviceptr dst = alloc(out.length * (long) Sizeof.FLOAT);
        try {
            for (int n = 0; n < frames.size(); n++) {
                Mat frame = frames.get(n);
                byte[] src = MatBytes.bgr(frame);
                Letterbox box = spec.letterboxFor(frame.cols(), frame.rows());
                boxes.add(box);
                CUdeviceptr dSrc = upload(src);
                try {
                    Pointer params = Pointer.to(
                            Pointer.to(dSrc), ints(frame.cols()), ints(frame.rows()), ints(frame.cols() * 3),
                            Pointer.to(dst.withByteOffset(n * perImage * Sizeof.FLOAT)), ints(w), ints(h),
                            ints(box.newWidth()), ints(box.newHeight()), ints(box.offX()), ints(box.offY()),
                            floats(spec.padValue()), ints(spec.swapRB() ? 1 : 0), floats(spec.scale()),
                            floats(spec.mean()[0]), floats(spec.mean()[1]), floats(spec.mean()[2]),
                            floats(1f / spec.std()[0]), floats(1f / spec.std()[1]), floats(1f / spec.std()[2]));
                    launch2d(letterbox, w, h, params, 0);
                    cuCtxSynchronize();
                } finally {
                    cuMemFree(dSrc);
                }
            }
            cuMemcpyDtoH(Pointer.to(out), dst, out.length * (long) Sizeof.FLOAT);
        } finally {
            cuMemFree(dst);
        }
        return new TensorBatch(out, frames.size(), 3, h, w, List.copyOf(boxes));
    }

    @Override
    public synchronized float[] histogram(Mat frame, int bins) {
        cuCtxSetCurrent(context);
        byte[] src = MatBytes.bgr(frame);
        int[] counts = new int[4 * bins];
        CUdeviceptr dSrc = upload(src);
        CUdeviceptr dHist = alloc(counts.length * (long) Sizeof.INT);
        try {
            cuMemsetD32(dHist, 0, counts.length);
            Pointer params = Pointer.to(Pointer.to(dSrc), ints(frame.cols()), ints(frame.rows()),
                    ints(frame.cols() * 3), ints(bins), Pointer.to(dHist));
            int blocks = Math.min(1024, (frame.cols() * frame.rows() + 255) / 256);
            cuLaunchKernel(histogram, blocks, 1, 1, 256, 1, 1, counts.length * Sizeof.INT, null, params, null);
            cuCtxSynchronize();
            cuMemcpyDtoH(Pointer.to(counts), dHist, counts.length * (long) Sizeof.INT);
        } finally {
            cuMemFree(dSrc);
            cuMemFree(dHist);
        }
        return CpuFrameKernels.normalise(counts, frame.cols() * frame.rows());
    }

    @Override
    public synchronized Mat inpaint(Mat frame, Mat mask) {
        cuCtxSetCurrent(context);
        int w = frame.cols();
        int h = frame.rows();
        byte[] px = MatBytes.bgr(frame);
        byte[] m = MatBytes.mask(mask);
        if (CpuFrameKernels.boundingBox(m, w, h) == null) {
            return frame.clone();
        }
        float[] img = new float[w * h * 3];
        byte[] known = new byte[w * h];
        for (int i = 0; i < w * h; i++) {
            boolean fill = m[i] != 0;
            known[i] = (byte) (fill ? 0 : 1);
            for (int c = 0; c < 3; c++) {
                img[i * 3 + c] = fill ? 0f : px[i * 3 + c] & 0xff;
            }
        }
        CUdeviceptr a = upload(img);
        CUdeviceptr b = alloc(img.length * (long) Sizeof.FLOAT);
        CUdeviceptr ka = upload(known);
        CUdeviceptr kb = alloc(known.length);
        CUdeviceptr dMask = upload(m);
        CUdeviceptr changed = alloc(Sizeof.INT);
        try {
            int[] count = new int[1];
            do {
                cuMemsetD32(changed, 0, 1);
                launch2d(peel, w, h, Pointer.to(Pointer.to(a), Pointer.to(b), Pointer.to(ka), Pointer.to(kb),
                        ints(w), ints(h), Pointer.to(changed)), 0);
                cuMemcpyDtoH(Pointer.to(count), changed, Sizeof.INT);
                CUdeviceptr t = a;
                a = b;
                b = t;
                t = ka;
                ka = kb;
                kb = t;
            } while (count[0] > 0);
            for (int it = 0; it < CpuFrameKernels.INPAINT_SMOOTH_ITERATIONS; it++) {
                launch2d(smooth, w, h, Pointer.to(Pointer.to(a), Pointer.to(b), Pointer.to(dMask), ints(w), ints(h)), 0);
                CUdeviceptr t = a;
                a = b;
                b = t;
            }
            cuCtxSynchronize();
            cuMemcpyDtoH(Pointer.to(img), a, img.length * (long) Sizeof.FLOAT);
        } finally {
            for (CUdeviceptr p : new CUdeviceptr[] {a, b, ka, kb, dMask, changed}) {
                cuMemFree(p);
            }
        }
        return CpuFrameKernels.toBgr(img, px, w, h);
    }

    @Override
    public synchronized MotionStats frameDifference(Mat previous, Mat current, int threshold) {
        cuCtxSetCurrent(context);
        if (previous.cols() != current.cols() || previous.rows() != current.rows()) {
            throw new IllegalArgumentException("frames differ in size");
        }
        int w = current.cols();
        int h = current.rows();
        CUdeviceptr a = upload(MatBytes.bgr(previous));
        CUdeviceptr b = upload(MatBytes.bgr(current));
        CUdeviceptr sum = alloc(Sizeof.LONG);
        CUdeviceptr count = alloc(Sizeof.INT);
        try {
            cuMemsetD32(sum, 0, 2);
            cuMemsetD32(count, 0, 1);
            int blocks = Math.min(1024, (w * h + 255) / 256);
            cuLaunchKernel(frameDiff, blocks, 1, 1, 256, 1, 1, 0, null,
                    Pointer.to(Pointer.to(a), Pointer.to(b), ints(w), ints(h), ints(w * 3), ints(threshold),
                            Pointer.to(sum), Pointer.to(count)), null);
            cuCtxSynchronize();
            long[] s = new long[1];
            int[] c = new int[1];
            cuMemcpyDtoH(Pointer.to(s), sum, Sizeof.LONG);
            cuMemcpyDtoH(Pointer.to(c), count, Sizeof.INT);
            return new MotionStats((double) s[0] / (w * h), (double) c[0] / (w * h));
        } finally {
            cuMemFree(a);
            cuMemFree(b);
            cuMemFree(sum);
            cuMemFree(count);
        }
    }

    @Override
    public synchronized double laplacianVariance(Mat grey) {
        cuCtxSetCurrent(context);
        int w = grey.cols();
        int h = grey.rows();
        CUdeviceptr g = upload(MatBytes.mask(grey));
        CUdeviceptr sum = alloc(Sizeof.LONG);
        CUdeviceptr sumSq = alloc(Sizeof.LONG);
        try {
            cuMemsetD32(sum, 0, 2);
            cuMemsetD32(sumSq, 0, 2);
            int blocks = Math.min(1024, (w * h + 255) / 256);
            cuLaunchKernel(laplacianSums, blocks, 1, 1, 256, 1, 1, 0, null,
                    Pointer.to(Pointer.to(g), ints(w), ints(h), ints(w), Pointer.to(sum), Pointer.to(sumSq)), null);
            cuCtxSynchronize();
            long[] s = new long[1];
            long[] q = new long[1];
            cuMemcpyDtoH(Pointer.to(s), sum, Sizeof.LONG);
            cuMemcpyDtoH(Pointer.to(q), sumSq, Sizeof.LONG);
            double n = (double) w * h;
            double mean = s[0] / n;
            return q[0] / n - mean * mean;
        } finally {
            cuMemFree(g);
            cuMemFree(sum);
            cuMemFree(sumSq);
        }
    }

    private static void launch2d(CUfunction f, int w, int h, Pointer params, int sharedBytes) {
        cuLaunchKernel(f, (w + BLOCK_2D - 1) / BLOCK_2D, (h + BLOCK_2D - 1) / BLOCK_2D, 1, BLOCK_2D, BLOCK_2D, 1,
                sharedBytes, null, params, null);
    }

    private static CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(1, bytes));
        return p;
    }

    private static CUdeviceptr upload(byte[] data) {
        CUdeviceptr p = alloc(data.length);
        cuMemcpyHtoD(p, Pointer.to(data), data.length);
        return p;
    }

    private static CUdeviceptr upload(float[] data) {
        CUdeviceptr p = alloc(data.length * (long) Sizeof.FLOAT);
        cuMemcpyHtoD(p, Pointer.to(data), data.length * (long) Sizeof.FLOAT);
        return p;
    }

    private static Pointer ints(int v) {
        return Pointer.to(new int[] {v});
    }

    private static Pointer floats(float v) {
        return Pointer.to(new float[] {v});
    }
}
