package io.framegrid.launcher.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Unmeasured rounds until the JIT has (nearly) stopped compiling. A benchmark of a long-running cluster measures its
 * steady state; on two cores C2 compiling the HTTP, gRPC and grid paths of a freshly started cluster otherwise takes
 * a fifth to two fifths of the process's CPU in the first measured phases (seen in async-profiler CPU profiles),
 * while an in-process baseline measured later runs already compiled.
 *
 * <p>The share is the compiler threads' CPU time (read from {@code /proc/self/task}) over the whole process's: the
 * JIT's own compilation-time counter is wall time per compilation, which a preempted compiler thread inflates on a
 * loaded machine. Where {@code /proc} is not readable the counter is used instead, against the round's wall time.
 */
final class JitWarmup {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks per second of {@code /proc} CPU times (USER_HZ, 100 on every Linux build that matters). */
    private static final long TICKS_PER_SECOND = 100;

    /** One warm-up round: a representative slice of the workload about to be measured. */
    @FunctionalInterface
    interface Round {
        void run() throws Exception;
    }

    /** How the warm-up ended: rounds run, its length, and the JIT's share of the last round. */
    record Result(int rounds, double seconds, double lastShare, boolean ofCpu) {
        String describe() {
            return String.format("warm-up: %d rounds in %.0f s; JIT compiling %.0f%% of the last round's %s", rounds,
                    seconds, lastShare * 100, ofCpu ? "process CPU" : "time");
        }
    }

    private JitWarmup() {
    }

    /** Consecutive rounds the stop rule looks at together: one round is too short for the 10 ms ticks of procfs. */
    static final int WINDOW = 3;

    /**
     * Runs {@code round} at least {@code minRounds} times, then again while compiling took more than {@code maxShare}
     * of the last {@link #WINDOW} rounds together (of all rounds so far while fewer), stopping after {@code maxRounds} rounds or {@code maxTime} in any
     * case. One round alone stopped too early: its compile time is a few procfs ticks, and a round without a C2
     * compilation happened long before the per-request code had been compiled (it reaches C2 after thousands of
     * requests, so such compilations keep coming, further apart, for minutes).
     */
    static Result run(Round round, int minRounds, int maxRounds, double maxShare, Duration maxTime) throws Exception {
        boolean ofCpu = compilerCpuNanos() >= 0;
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        int rounds = 0;
        double share = 1;
        double windowShare = 1;
        java.util.ArrayDeque<long[]> window = new java.util.ArrayDeque<>();
        while (rounds < minRounds || (windowShare > maxShare && rounds < maxRounds
                && System.nanoTime() - start < maxTime.toNanos())) {
            long compiler0 = ofCpu ? compilerCpuNanos() : jit.getTotalCompilationTime();
            long process0 = ofCpu ? os.getProcessCpuTime() : System.nanoTime();
            round.run();
            long compiled = (ofCpu ? compilerCpuNanos() : jit.getTotalCompilationTime()) - compiler0;
            // Without procfs the counter is milliseconds of compilation against the round's wall time in nanoseconds.
            long total = ofCpu ? os.getProcessCpuTime() - process0 : (System.nanoTime() - process0) / 1_000_000;
            share = compiled / (double) Math.max(1, total);
            window.addLast(new long[] {compiled, total});
            if (window.size() > WINDOW) {
                window.removeFirst();
            }
            windowShare = window.stream().mapToLong(w -> w[0]).sum()
                    / (double) Math.max(1, window.stream().mapToLong(w -> w[1]).sum());
            rounds++;
        }
        return new Result(rounds, (System.nanoTime() - start) / 1e9, share, ofCpu);
    }

    /** CPU time of the JVM's JIT compiler threads so far, or -1 where {@code /proc/self/task} cannot be read. */
    static long compilerCpuNanos() {
        // HotSpot names them "C1 CompilerThreadN" / "C2 CompilerThreadN" (cut to 15 characters).
        return nativeThreadCpuNanos(comm -> comm.contains("CompilerThre"));
    }

    /** CPU time of the garbage collector's threads so far (G1's "GC Thread#N", "G1 Conc#N", ...), or -1. */
    static long gcCpuNanos() {
        return nativeThreadCpuNanos(comm -> comm.startsWith("GC Thread") || comm.startsWith("G1 "));
    }

    /** CPU time so far of this process's threads whose kernel name matches, or -1 where procfs cannot be read. */
    private static long nativeThreadCpuNanos(java.util.function.Predicate<String> comm) {
        try (Stream<Path> tasks = Files.list(TASKS)) {
            long ticks = 0;
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!comm.test(Files.readString(task.resolve("comm")))) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // The thread ended between listing and reading: its time is gone with it.
                }
            }
            return ticks * (1_000_000_000L / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
