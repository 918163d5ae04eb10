package io.framegrid.launcher.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Unmeasured rounds until the JIT has (nearly) stopped compiling. A benchmark of a long-running cluster measures its
 * steady state; on two cores C2 compiling the HTTP, gRPC and grid paths of a freshly started cluster otherwise takes
 * a third of the CPU or more from the first measured phases (seen in async-profiler CPU profiles), while an in-process
 * baseline measured later runs already compiled.
 */
final class JitWarmup {
    /** One warm-up round: a representative slice of the workload about to be measured. */
    @FunctionalInterface
    interface Round {
        void run() throws Exception;
    }

    /** How the warm-up ended: rounds run, its length, and JIT compiling time over the last round's wall time. */
    record Result(int rounds, double seconds, double lastShare) {
        String describe() {
            return String.format("warm-up: %d rounds in %.0f s; JIT compiling %.0f%% of the last round's time", rounds,
                    seconds, lastShare * 100);
        }
    }

    private JitWarmup() {
    }

    /**
     * Runs {@code round} at least {@code minRounds} times, then again while compiling took more than {@code maxShare}
     * of a round's wall time, stopping after {@code maxRounds} rounds or {@code maxTime} in any case.
     */
    static Result run(Round round, int minRounds, int maxRounds, double maxShare, Duration maxTime) throws Exception {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        int rounds = 0;
        double share = 1;
        while (rounds < minRounds || (share > maxShare && rounds < maxRounds
                && System.nanoTime() - start < maxTime.toNanos())) {
            long jit0 = jit.getTotalCompilationTime();
            long r0 = System.nanoTime();
            round.run();
            share = (jit.getTotalCompilationTime() - jit0) / ((System.nanoTime() - r0) / 1e6);
            rounds++;
        }
        return new Result(rounds, (System.nanoTime() - start) / 1e9, share);
    }
}
