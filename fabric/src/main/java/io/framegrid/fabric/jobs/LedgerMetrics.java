package io.framegrid.fabric.jobs;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of one {@link JobLedger} (or of several that a caller lets share it): transactions started and the
 * retries among them, jobs submitted and ended by type and outcome, task leases that expired and tasks leased
 * again. Each JVM counts what its own ledger did (a gpu-node completes the jobs whose last task it commits, a
 * coordinator cancels and expires), so the cluster's figure is the sum over every role's endpoint. Changes are
 * counted once their transaction commits, never for a rolled-back attempt. Cheap enough for the hot path; read
 * by benchmarks, exported to Prometheus once {@link #register registered}.
 */
public final class LedgerMetrics {
    /** The outcomes of {@code framegrid_jobs_finished_total}. */
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    private final LongAdder transactions = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final Counter submitted = Counter.builder()
            .name("framegrid_jobs_submitted_total")
            .help("Jobs submitted through this JVM's ledger, by job type")
            .labelNames("type")
            .build();
    private final Counter finished = Counter.builder()
            .name("framegrid_jobs_finished_total")
            .help("Jobs ended by this JVM's ledger, by job type and outcome (completed, failed, cancelled)")
            .labelNames("type", "outcome")
            .build();
    private final Histogram duration = Histogram.builder()
            .name("framegrid_job_duration_seconds")
            .help("Time from a job's submission to its end (queueing included), by job type and outcome")
            .unit(Unit.SECONDS)
            .labelNames("type", "outcome")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
            .build();
    // Unlabelled, so the series exist (at zero) before the first expiry and alerts on their rate have data.
    private final Counter leaseExpiries = Counter.builder()
            .name("framegrid_task_lease_expiries_total")
            .help("Task leases that ran out before their holder committed (the node died, hung or lost the grid)")
            .build();
    private final Counter reassignments = Counter.builder()
            .name("framegrid_task_reassignments_total")
            .help("Leases of tasks that an earlier lease had already held (work moved to another attempt or node)")
            .build();

    /**
     * Exports these counts on {@code registry}: {@code framegrid_ledger_transactions_total},
     * {@code framegrid_ledger_transaction_retries_total}, {@code framegrid_jobs_submitted_total},
     * {@code framegrid_jobs_finished_total}, {@code framegrid_job_duration_seconds},
     * {@code framegrid_task_lease_expiries_total} and {@code framegrid_task_reassignments_total}. A registry takes
     * each name once, so one JVM that runs several roles registers one instance and passes it to each ledger
     * (the roles share it through {@code Telemetry.shared}).
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
        registry.register(submitted);
        registry.register(finished);
        registry.register(duration);
        registry.register(leaseExpiries);
        registry.register(reassignments);
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

    /** Jobs of {@code type} this ledger ended with {@code outcome}. */
    public long finished(String type, String outcome) {
        return (long) finished.labelValues(type, outcome).get();
    }

    /** Task leases that expired. */
    public long leaseExpiries() {
        return (long) leaseExpiries.get();
    }

    /** Tasks leased again after an earlier lease. */
    public long reassignments() {
        return (long) reassignments.get();
    }

    void transactionStarted(boolean retry) {
        transactions.increment();
        if (retry) {
            retries.increment();
        }
    }

    void jobSubmitted(String type) {
        submitted.labelValues(type).inc();
    }

    void jobFinished(String type, String outcome, long createdMs, long endedMs) {
        finished.labelValues(type, outcome).inc();
        duration.labelValues(type, outcome).observe(Math.max(0, endedMs - createdMs) / 1000.0);
    }

    void leaseExpired() {
        leaseExpiries.inc();
    }

    void taskReassigned() {
        reassignments.inc();
    }
}
