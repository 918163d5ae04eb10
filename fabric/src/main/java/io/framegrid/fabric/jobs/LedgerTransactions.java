package io.framegrid.fabric.jobs;

import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Runs ledger changes as pessimistic, repeatable-read transactions: every key is locked on first read and held to
 * the commit, so checks made under the locks still hold when the writes land. A transient grid failure
 * (deadlock detected, lock timeout, topology change) rolls the whole body back, which is then run again from the
 * start, up to five times; any other failure, and every domain refusal, propagates after the rollback.
 */
final class LedgerTransactions {
    private static final int MAX_ATTEMPTS = 5;
    private static final long TIMEOUT_MS = 30_000;

    private final Ignite ignite;
    private final LedgerMetrics metrics;
    // Counts noted by the body of the transaction running on this thread, applied once it commits: a retried
    // or rolled-back attempt counts nothing.
    private final ThreadLocal<java.util.List<java.util.function.Consumer<LedgerMetrics>>> pending = new ThreadLocal<>();

    LedgerTransactions(Ignite ignite, LedgerMetrics metrics) {
        this.ignite = ignite;
        this.metrics = metrics;
    }

    /** Runs {@code body} in one transaction and returns its result; the body must be safe to run again. */
    <T> T inTx(Supplier<T> body) {
        for (int attempt = 1; ; attempt++) {
            metrics.transactionStarted(attempt > 1);
            java.util.List<java.util.function.Consumer<LedgerMetrics>> counts = new java.util.ArrayList<>();
            pending.set(counts);
            try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ, TIMEOUT_MS, 0)) {
                T result = body.get();
                tx.commit();
                pending.remove();
                counts.forEach(count -> count.accept(metrics));
                return result;
            } catch (RuntimeException e) {
                if (attempt >= MAX_ATTEMPTS || !Retries.transient_(e)) {
                    throw e;
                }
            } finally {
                pending.remove();
            }
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
