package io.framegrid.fabric.jobs;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of one {@link JobLedger} (or of several that a caller lets share it): transactions started and the
 * retries among them. Cheap enough for the hot path (striped adders); read by benchmarks, exported to
 * Prometheus once {@link #register registered}.
 */
public final class LedgerMetrics {
    private final LongAdder transactions = new LongAdder();
    private final LongAdder retries = new LongAdder();

    /**
     * Exports these counts on {@code registry} as {@code framegrid_ledger_transactions_total} and
     * {@code framegrid_ledger_transaction_retries_total}. A registry takes each name once, so one JVM that runs
     * several roles registers one instance and passes it to each ledger.
     */
    public LedgerMetrics register(PrometheusRegistry registry) {
        CounterWithCallback.builder()
                .name("framegrid_ledger_transactions")
                .help("Ledger transactions started (attempts, retries included) by the job ledgers of this JVM")
                .callback(cb -> cb.call(transactions.sum()))
                .register(registry);
        CounterWithCallback.builder()
                .name("framegrid_ledger_transaction_retries")
                .help("Ledger transactions started again after a transient grid failure (deadlock, timeout, topology)")
                .callback(cb -> cb.call(retries.sum()))
                .register(registry);
        return this;
    }

    /** Transactions started so far, retries included. */
    public long transactions() {
        return transactions.sum();
    }

    /** Transactions started again after a transient failure. */
    public long retries() {
        return retries.sum();
    }

    void transactionStarted(boolean retry) {
        transactions.increment();
        if (retry) {
            retries.increment();
        }
    }
}
