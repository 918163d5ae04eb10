package io.framegrid.gpunode.capabilities;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the CUDA driver, through JCuda, whether a GPU is present. Without a driver JCuda's natives
 * fail to link ({@link UnsatisfiedLinkError}, then {@link NoClassDefFoundError} on later calls), which
 * simply means "no GPU here".
 */
final class GpuProbe {
    private static final Logger log = LoggerFactory.getLogger(GpuProbe.class);

    record Result(boolean present, String name, long memoryBytes) {}

    private GpuProbe() {}

    static Result probe() {
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
            log.info("No usable CUDA device: {}", e.toString());
            return new Result(false, "", 0);
        }
    }
}
