package io.framegrid.gpunode.inference;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing a detector's worker pool without dropping queued tasks, whose callers would then wait for good. */
final class WorkerPools {

    private static final Logger log = LoggerFactory.getLogger(WorkerPools.class);
    private static final long WAIT_SECONDS = 60;

    private WorkerPools() {
    }

    /**
     * Shuts {@code pool} down and waits (bounded; an interrupt does not cut the wait short, it is restored after)
     * for its queued and running tasks: they complete their futures, and no worker is left using what the caller
     * closes next.
     */
    static void drain(ExecutorService pool, String what) {
        pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        boolean interrupted = false;
        try {
            while (!pool.isTerminated()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("{}: workers still busy {} s after close", what, WAIT_SECONDS);
                    return;
                }
                try {
                    pool.awaitTermination(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
