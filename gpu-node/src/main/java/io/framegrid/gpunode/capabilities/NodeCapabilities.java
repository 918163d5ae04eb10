package io.framegrid.gpunode.capabilities;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a gpu-node offers the scheduler; published as Ignite node attributes when the node joins. */
public record NodeCapabilities(int cpuCores, long maxHeapBytes, long physicalMemoryBytes, boolean gpuPresent,
                               String gpuName, long gpuMemoryBytes) {
    public static final String CPU_CORES = "framegrid.cpu.cores";
    public static final String HEAP_BYTES = "framegrid.memory.heap.bytes";
    public static final String PHYSICAL_MEMORY_BYTES = "framegrid.memory.physical.bytes";
    public static final String GPU_PRESENT = "framegrid.gpu.present";
    public static final String GPU_NAME = "framegrid.gpu.name";
    public static final String GPU_MEMORY_BYTES = "framegrid.gpu.memory.bytes";

    /** Probes this machine: cores and memory from the JVM, the GPU through JCuda. */
    public static NodeCapabilities probe() {
        GpuProbe.Result gpu = GpuProbe.probe();
        long physical = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        return new NodeCapabilities(Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(),
                physical, gpu.present(), gpu.name(), gpu.memoryBytes());
    }

    public Map<String, Object> asAttributes() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(CPU_CORES, cpuCores);
        attributes.put(HEAP_BYTES, maxHeapBytes);
        attributes.put(PHYSICAL_MEMORY_BYTES, physicalMemoryBytes);
        attributes.put(GPU_PRESENT, gpuPresent);
        attributes.put(GPU_NAME, gpuName);
        attributes.put(GPU_MEMORY_BYTES, gpuMemoryBytes);
        return attributes;
    }
}
