package io.framegrid.gpunode.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides once, at construction, whether the CUDA kernels can run here, and hands out the matching
 * {@link FrameKernels}. Without a driver, a device or the packaged PTX every call goes to the CPU path
 * ({@link OpenCvFrameKernels}).
 *
 * <p>Without {@code libcuda.so.1} JCuda is not touched at all ({@link CudaDriver}); where the library exists but
 * JCuda still fails ({@link UnsatisfiedLinkError} first, {@link NoClassDefFoundError} later), the probe catches
 * {@link LinkageError} and the answer is remembered. Either way the log gets one line, the details go to DEBUG.
 */
public final class ComputeDevice {

    private static final Logger LOG = LoggerFactory.getLogger(ComputeDevice.class);
    static final String[] MODULES = {"preprocess", "histogram", "inpaint", "framediff", "sharpness"};

    private final FrameKernels kernels;
    private final String description;

    private ComputeDevice(FrameKernels kernels, String description) {
        this.kernels = kernels;
        this.description = description;
    }

    /** Probes CUDA (unless {@code allowCuda} is false) and falls back to the CPU twins. */
    public static ComputeDevice detect(boolean allowCuda) {
        if (!allowCuda) {
            return cpu("CUDA disabled by configuration");
        }
        Map<String, byte[]> ptx = new LinkedHashMap<>();
        for (String module : MODULES) {
            byte[] code = loadPtx(module);
            if (code == null) {
                return cpu("PTX for '" + module + "' not packaged (built without nvcc)");
            }
            ptx.put(module, code);
        }
        java.util.Optional<String> missing = CudaDriver.missing();
        if (missing.isPresent()) {
            return cpu("CUDA unavailable (" + missing.get() + ")");
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                return cpu("no CUDA device");
            }
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            CUcontext context = new CUcontext();
            JCudaDriver.cuCtxCreate(context, 0, device);
            String deviceName = new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            LOG.info("CUDA kernels on {}", deviceName);
            return new ComputeDevice(new CudaFrameKernels(context, ptx), "cuda: " + deviceName);
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("CUDA probe failed", e);
            return cpu("CUDA unavailable (" + CudaDriver.brief(e) + ")");
        }
    }

    /** The CPU path only (tests, benchmarks): OpenCV-backed kernels of the same contract. */
    public static ComputeDevice cpuOnly() {
        return new ComputeDevice(new OpenCvFrameKernels(), "cpu");
    }

    // The log line's wording is what operators grep for; the CPU path behind it is OpenCvFrameKernels, the
    // faster of the two CPU implementations (the plain-Java twins remain the CUDA kernels' reference in tests).
    private static ComputeDevice cpu(String reason) {
        LOG.info("{}: kernels run on the CPU twins", reason);
        return new ComputeDevice(new OpenCvFrameKernels(), "cpu (" + reason + ")");
    }

    private static byte[] loadPtx(String module) {
        try (InputStream in = ComputeDevice.class.getResourceAsStream("ptx/" + module + ".ptx")) {
            if (in == null) {
                return null;
            }
            byte[] text = in.readAllBytes();
            // cuModuleLoadData wants a NUL-terminated image.
            byte[] image = new byte[text.length + 1];
            System.arraycopy(text, 0, image, 0, text.length);
            return image;
        } catch (IOException e) {
            return null;
        }
    }

    public boolean cudaAvailable() {
        return kernels instanceof CudaFrameKernels;
    }

    public FrameKernels kernels() {
        return kernels;
    }

    public String description() {
        return description;
    }
}
