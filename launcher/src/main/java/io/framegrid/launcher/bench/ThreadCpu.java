package io.framegrid.launcher.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time of this JVM's threads grouped by name (digits and instance names stripped), so a benchmark can
 * say where its CPU went. What the process used beyond its live Java threads is reported as "not java threads":
 * the JIT compilers and GC, native threads (ONNX Runtime's intra-op pools) and Java threads that ended between the
 * two snapshots (their time is lost to their group, which is why groups are of pools).
 */
final class ThreadCpu {
    private ThreadCpu() {
    }

    static Map<String, Long> byGroup() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> groups = new HashMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                groups.merge(group(info.getThreadName()), cpu, Long::sum);
            }
        }
        return groups;
    }

    static String group(String threadName) {
        return threadName.replaceAll("%.*", "").replaceAll("[-#]?\\d+", "").replaceAll("-+$", "");
    }

    static String split(Map<String, Long> before, Map<String, Long> after, long processCpuNanos, int jobs) {
        Map<String, Long> used = new HashMap<>();
        long javaThreads = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                used.put(e.getKey(), d);
                javaThreads += d;
            }
        }
        used.put("not java threads (jit, gc, onnxruntime, ended)", Math.max(0, processCpuNanos - javaThreads));
        return used.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .filter(e -> e.getValue() / 1000 / jobs >= 5)
                .map(e -> e.getKey() + " " + e.getValue() / 1000 / jobs)
                .collect(Collectors.joining(", "));
    }
}
