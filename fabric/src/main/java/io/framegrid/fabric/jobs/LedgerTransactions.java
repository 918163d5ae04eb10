package io.framegrid.fabric.jobs;

import io.framegrid.config.FramegridConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Runs ledger changes as pessimistic, repeatable-read transactions: every key is locked on first read and held to
 * the commit, so checks made under the locks still hold when the writes land. A transient grid failure
 * (deadlock detected, lock timeout, topology change) rolls the whole body back, which is then run again from the
 * start on fresh state; any other failure, and every domain refusal, propagates after the rollback.
 *
 * <p>Why attempts are short and retried for long. A lock is held until its transaction ends, and a transaction
 * whose node was cut off (its link down, not dead: nothing tells the grid) ends only when the grid drops that node,
 * after {@code grid.client-failure-detection-timeout}. Everything that queued on such a lock waits that long
 * whatever its own timeout, but it must not wait holding the locks it took before (a job record, an owner's
 * record): that would spread one node's stall to every change touching those keys. So an attempt may take
 * {@code jobs.transaction.lock-timeout} at first, then rolls back (freeing its own locks for the others), and
 * the next attempt doubles that, so a change that is just slow under load, not blocked, still gets through.
 * Attempts go on for {@code jobs.transaction.retry-time}, longer than the client failure detection (the
 * configuration checks it): a change blocked by a cut-off node lands once the grid drops that node and rolls its
 * transactions back. A timed-out attempt wrote nothing (the timeout fires before the commit is prepared, and a
 * prepared commit is finished by the grid), so rerunning the body is safe; the fencing checks inside it run again
 * on the state as it is then, so a retried commit lands exactly once or is refused.
 *
 * <p>Lease renewals and progress reports are {@link #once}: a single attempt bounded by half the lease time (at
 * most the lock timeout). They are repeated anyway (every heartbeat, every report), and a renewal waiting long
 * on one task's lock would delay the renewal of every other lease of its node past their expiry.
 */
final class LedgerTransactions {
    // Short pauses after a failure that was not a lock timeout (a deadlock, a topology change), so the retries do
    // not spin while the grid settles; a timed-out attempt has waited already.
    private static final long MAX_PAUSE_MS = 1_000;

    private final Ignite ignite;
    private final LedgerMetrics metrics;
    private final long lockTimeoutMs;
    private final long retryTimeMs;
    private final long onceTimeoutMs;
    // Counts noted by the body of the transaction running on this thread, applied once it commits: a retried
    // or rolled-back attempt counts nothing.
    private final ThreadLocal<java.util.List<java.util.function.Consumer<LedgerMetrics>>> pending = new ThreadLocal<>();

    LedgerTransactions(Ignite ignite, LedgerMetrics metrics, FramegridConfig.Jobs config) {
        this.ignite = ignite;
        this.metrics = metrics;
        this.lockTimeoutMs = Math.max(1, config.transactionLockTimeout().toMillis());
        this.retryTimeMs = config.transactionRetryTime().toMillis();
        this.onceTimeoutMs = Math.max(1, Math.min(lockTimeoutMs, config.leaseTime().toMillis() / 2));
    }

    /** How long a {@link #once} attempt may take. */
    Duration onceTimeout() {
        return Duration.ofMillis(onceTimeoutMs);
    }

    /**
     * Runs {@code body} in one transaction and returns its result, retrying transient failures for the configured
     * retry time; the body must be safe to run again.
     */
    <T> T inTx(Supplier<T> body) {
        long deadline = System.nanoTime() + retryTimeMs * 1_000_000L;
        long timeoutMs = lockTimeoutMs;
        for (int attempt = 1; ; attempt++) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            try {
                // The last attempt gets what is left of the retry time, and never less than the first one.
                return attempt(body, attempt > 1, Math.max(Math.min(timeoutMs, leftMs), lockTimeoutMs));
            } catch (RuntimeException e) {
                if (!Retries.transient_(e) || System.nanoTime() >= deadline) {
                    throw e;
                }
                if (!Retries.timedOut(e) && !pause(attempt, deadline)) {
                    throw e;
                }
            }
            timeoutMs = Math.min(timeoutMs * 2, retryTimeMs);
        }
    }

    /**
     * Runs {@code body} in one transaction, one attempt within {@link #onceTimeout()}: for writes that are repeated
     * anyway. A transient failure propagates (the caller tries again at its next turn).
     */
    <T> T once(Supplier<T> body) {
        return attempt(body, false, onceTimeoutMs);
    }

    private <T> T attempt(Supplier<T> body, boolean retry, long timeoutMs) {
        metrics.transactionStarted(retry);
        java.util.List<java.util.function.Consumer<LedgerMetrics>> counts = new java.util.ArrayList<>();
        pending.set(counts);
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ, timeoutMs, 0)) {
            T result = body.get();
            tx.commit();
            pending.remove();
            counts.forEach(count -> count.accept(metrics));
            return result;
        } finally {
            pending.remove();
        }
    }

    /** Waits a little, growing with the attempts; false when interrupted or the retry time would run out. */
    private static boolean pause(int attempt, long deadline) {
        long ms = ThreadLocalRandom.current().nextLong(1, Math.min(MAX_PAUSE_MS, 20L << Math.min(attempt, 10)) + 1);
        if (System.nanoTime() + ms * 1_000_000L >= deadline) {
            return false;
        }
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Notes a count to apply when the transaction running on this thread commits (at once outside one). */
    void count(java.util.function.Consumer<LedgerMetrics> count) {
        java.util.List<java.util.function.Consumer<LedgerMetrics>> counts = pending.get();
        if (counts == null) {
            count.accept(metrics);
        } else {
            counts.add(count);
        }
    }

    /** {@link #inTx} for a body without a result. */
    void run(Runnable body) {
        inTx(() -> {
            body.run();
            return null;
        });
    }
}
