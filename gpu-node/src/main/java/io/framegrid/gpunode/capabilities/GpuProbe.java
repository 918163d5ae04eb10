package io.framegrid.gpunode.capabilities;

import io.framegrid.gpunode.kernels.CudaDriver;
import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the CUDA driver, through JCuda, whether a GPU is present. Without {@code libcuda.so.1} JCuda is not asked
 * (its natives would fail to link, with a message of many stack traces): that simply means "no GPU here", which the
 * node's start line reports. The kernels' own probe logs the one line an operator needs.
 */
final class GpuProbe {
    private static final Logger log = LoggerFactory.getLogger(GpuProbe.class);

    record Result(boolean present, String name, long memoryBytes) {}

    private GpuProbe() {}

    static Result probe() {
        java.util.Optional<String> missing = CudaDriver.missing();
        if (missing.isPresent()) {
            log.debug("No GPU: {}", missing.get());
            return new Result(false, "", 0);
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                return new Result(false, "", 0);
            }
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            long[] memory = new long[1];
            JCudaDriver.cuDeviceTotalMem(memory, device);
            String deviceName = new String(name, StandardCharsets.US_ASCII).replace("\0", "").trim();
            return new Result(true, deviceName, memory[0]);
        } catch (LinkageError | RuntimeException e) {
            log.info("No usable CUDA device ({})", CudaDriver.brief(e));
            log.debug("CUDA device probe failed", e);
            return new Result(false, "", 0);
        }
    }
}
