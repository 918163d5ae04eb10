package io.framegrid.launcher.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Process CPU accumulated over repeated runs of one benchmark phase (start/stop around each run), so that a phase
 * can be said to cost so many CPU milliseconds per item and to have kept the cores so busy: a throughput below
 * its baseline's is either CPU spent elsewhere (busy near 100 %) or cores left idle (latency-bound).
 */
final class PhaseCpu {
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Map<String, Long> threads = new HashMap<>();
    private long cpuNanos;
    private long wallNanos;
    private long items;
    private long jitNanos;
    private long gcNanos;
    private long jit0;
    private long gc0;
    private long cpu0;
    private long wall0;
    private Map<String, Long> threads0 = Map.of();

    void start() {
        threads0 = ThreadCpu.byGroup();
        jit0 = JitWarmup.compilerCpuNanos();
        gc0 = JitWarmup.gcCpuNanos();
        cpu0 = OS.getProcessCpuTime();
        wall0 = System.nanoTime();
    }

    void stop(int itemsDone) {
        wallNanos += System.nanoTime() - wall0;
        cpuNanos += OS.getProcessCpuTime() - cpu0;
        items += itemsDone;
        jitNanos += JitWarmup.compilerCpuNanos() - jit0;
        gcNanos += JitWarmup.gcCpuNanos() - gc0;
        ThreadCpu.byGroup().forEach((group, nanos) -> {
            long d = nanos - threads0.getOrDefault(group, 0L);
            if (d > 0) {
                threads.merge(group, d, Long::sum);
            }
        });
    }

    double msPerImage() {
        return items == 0 ? 0 : cpuNanos / 1e6 / items;
    }

    /** CPU used ÷ (wall time × cores). */
    double busy() {
        return wallNanos == 0 ? 0 : cpuNanos / (double) wallNanos / Runtime.getRuntime().availableProcessors();
    }

    /** JIT compiler and GC threads' CPU per item in ms, as "jit X, gc Y". */
    String jvmSplit() {
        long n = Math.max(1, items);
        return String.format("jit %.1f ms, gc %.1f ms", jitNanos / 1e6 / n, gcNanos / 1e6 / n);
    }

    /** Thread groups' CPU per item, largest first (groups under 5 us per item left out). */
    String split() {
        return ThreadCpu.split(Map.of(), threads, cpuNanos, (int) Math.max(1, items));
    }
}
