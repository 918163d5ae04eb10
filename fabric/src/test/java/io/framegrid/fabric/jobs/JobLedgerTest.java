package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.fabric.testing.TestJobTypes;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger's guarantees on a real grid, without a coordinator: fencing, attempts, admission, deadlines, logs. */
class JobLedgerTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "jobs.tier-limit.free", 1,
            "jobs.lease-time", "5s",
            "jobs.max-attempts", 2,
            "jobs.log.max-lines", 6));

    private static final JobTypes TYPES = TestJobTypes.register(JobTypes.withBuiltIns());

    @AfterEach
    void resetClock() {
        grid.clock().reset();
    }

    private static JobLedger ledger() {
        return grid.ledger();
    }

    private static JobState submit(String owner, int chunks) {
        Map<String, String> meta = Map.of("chunks", String.valueOf(chunks));
        List<StagePlan> stages = TYPES.plan(TestJobTypes.WRITE_OUTPUTS, meta).orElseThrow();
        return ledger().submit(owner, "free", TestJobTypes.WRITE_OUTPUTS, "test", meta, stages);
    }

    private static String owner() {
        return "owner-" + UUID.randomUUID();
    }

    private static JobStatus status(JobState job) {
        return ledger().state(job.getJob().getJobId()).orElseThrow().getJob().getStatus();
    }

    @Test
    void aLateWriterIsFencedOffAndTheOutputIsCommittedOnceByTheCurrentHolder() {
        JobState job = submit(owner(), 2);
        String taskId = JobLedger.taskId(job.getJob().getJobId(), 0, 0);
        TaskState first = ledger().lease(taskId, "node-a").orElseThrow();
        grid.clock().advance(Duration.ofSeconds(6));
        assertThat(ledger().reclaimExpired(taskId)).isTrue();
        TaskState second = ledger().lease(taskId, "node-b").orElseThrow();
        assertThat(second.getFence()).isGreaterThan(first.getFence());

        assertThatThrownBy(() -> ledger().commit(first, "node-a", TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> ledger().progress(taskId, "node-a", first.getFence(), 50, "late"))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger().renew(taskId, "node-a", first.getFence())).isFalse();
        assertThat(ledger().output(taskId)).isEmpty();

        ledger().commit(second, "node-b", new TaskCommit(new byte[] {7}, List.of("ref-0"), 1, List.of()));
        assertThat(ledger().output(taskId)).get().satisfies(o -> {
            assertThat(o.getNodeId()).isEqualTo("node-b");
            assertThat(o.getFence()).isEqualTo(second.getFence());
        });
        assertThatThrownBy(() -> ledger().commit(second, "node-b", TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
    }

    @Test
    void aTaskOutOfAttemptsFailsItsJobAndTheOwnersQueuedJobIsAdmitted() {
        String owner = owner();
        JobState running = submit(owner, 1);
        JobState queued = submit(owner, 1);
        assertThat(status(running)).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(status(queued)).isEqualTo(JobStatus.JOB_STATUS_QUEUED);
        String taskId = JobLedger.taskId(running.getJob().getJobId(), 0, 0);

        TaskState attempt1 = ledger().lease(taskId, "node-a").orElseThrow();
        ledger().fail(taskId, "node-a", attempt1.getFence(), "boom 1");
        assertThat(status(running)).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        TaskState attempt2 = ledger().lease(taskId, "node-a").orElseThrow();
        ledger().fail(taskId, "node-a", attempt2.getFence(), "boom 2");

        JobState failed = ledger().state(running.getJob().getJobId()).orElseThrow();
        assertThat(failed.getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(failed.getJob().getErrorMessage()).contains("boom 2");
        assertThat(ledger().task(taskId)).isEmpty();
        assertThat(status(queued)).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(ledger().task(JobLedger.taskId(queued.getJob().getJobId(), 0, 0))).isPresent();
    }

    @Test
    void aJobPastItsDeadlineExpiresAndItsTasksAreRemoved() {
        Map<String, String> meta = Map.of("chunks", "1");
        JobState job = ledger().submit(owner(), "free", TestJobTypes.WRITE_OUTPUTS, "test", meta,
                TYPES.plan(TestJobTypes.WRITE_OUTPUTS, meta).orElseThrow(), Duration.ofMinutes(1));
        String taskId = JobLedger.taskId(job.getJob().getJobId(), 0, 0);
        TaskState leased = ledger().lease(taskId, "node-a").orElseThrow();
        assertThat(ledger().expire(job.getJob().getJobId())).isFalse();

        grid.clock().advance(Duration.ofMinutes(2));

        assertThat(ledger().expire(job.getJob().getJobId())).isTrue();
        JobState expired = ledger().state(job.getJob().getJobId()).orElseThrow();
        assertThat(expired.getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(expired.getJob().getErrorMessage()).isEqualTo("Job exceeded its maximum duration of 1 minute");
        assertThat(ledger().task(taskId)).isEmpty();
        assertThatThrownBy(() -> ledger().commit(leased, "node-a", TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger().expire(job.getJob().getJobId())).isFalse();
    }

    @Test
    void cancellingAnEndedJobIsRefusedWithItsReason() {
        JobState job = submit(owner(), 1);
        ledger().cancel(job.getJob().getJobId());

        assertThatThrownBy(() -> ledger().cancel(job.getJob().getJobId()))
                .isInstanceOfSatisfying(FabricException.class, e -> {
                    assertThat(e.kind()).isEqualTo(FabricException.Kind.FAILED_PRECONDITION);
                    assertThat(e.reason()).isEqualTo("JOB_FINISHED");
                    assertThat(e.getMessage()).isEqualTo("Job already cancelled");
                });
        assertThatThrownBy(() -> ledger().cancel("no-such-job"))
                .isInstanceOfSatisfying(FabricException.class,
                        e -> assertThat(e.kind()).isEqualTo(FabricException.Kind.NOT_FOUND));
    }

    @Test
    void theLogKeepsTheNewestLinesAcrossTheJobRecordAndTheLogCache() {
        JobState job = submit(owner(), 1);
        String jobId = job.getJob().getJobId();
        for (int i = 1; i <= 10; i++) {
            ledger().appendLog(jobId, "INFO", "line " + i);
        }

        List<LogEntry> all = ledger().logLines(jobId, 0);
        // Submitted (1 line) + 10 appended = sequence 11; the last 6 are kept.
        assertThat(all).extracting(LogEntry::getSequence).containsExactly(6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(all.get(5).getMessage()).isEqualTo("line 10");
        assertThat(ledger().logLines(jobId, 2)).extracting(LogEntry::getMessage).containsExactly("line 9", "line 10");
        assertThat(ledger().state(jobId).orElseThrow().getInlineLogList()).isEmpty();
        assertThat(ledger().logLines("no-such-job", 0)).isEmpty();
    }

    @Test
    void transactionsAreCountedOnTheInjectedMetrics() {
        LedgerMetrics metrics = new LedgerMetrics();
        JobLedger counted = new JobLedger(grid.ignite(), grid.config().jobs(), grid.clock(), metrics);

        counted.submit(owner(), "free", JobTypes.NOOP, "noop", Map.of(),
                TYPES.plan(JobTypes.NOOP, Map.of()).orElseThrow());

        assertThat(metrics.transactions()).isEqualTo(1);
        assertThat(counted.metrics()).isSameAs(metrics);
    }

    @Test
    void jobOutcomesLeaseExpiriesAndReassignmentsAreCountedOnceTheirTransactionCommits() {
        io.prometheus.metrics.model.registry.PrometheusRegistry registry =
                new io.prometheus.metrics.model.registry.PrometheusRegistry();
        LedgerMetrics metrics = new LedgerMetrics().register(registry);
        JobLedger counted = new JobLedger(grid.ignite(), grid.config().jobs(), grid.clock(), metrics);
        List<StagePlan> noop = TYPES.plan(JobTypes.NOOP, Map.of()).orElseThrow();

        JobState done = counted.submit(owner(), "free", JobTypes.NOOP, "done", Map.of(), noop);
        TaskState doneTask = counted.lease(JobLedger.taskId(done.getJob().getJobId(), 0, 0), "node-a").orElseThrow();
        grid.clock().advance(Duration.ofMillis(1500));
        counted.commit(doneTask, "node-a", TaskCommit.empty());

        JobState cancelled = counted.submit(owner(), "free", JobTypes.NOOP, "cancelled", Map.of(), noop);
        counted.cancel(cancelled.getJob().getJobId());
        // A refused cancel rolls back: nothing more is counted.
        assertThatThrownBy(() -> counted.cancel(cancelled.getJob().getJobId())).isInstanceOf(FabricException.class);

        JobState lost = counted.submit(owner(), "free", JobTypes.NOOP, "lost", Map.of(), noop);
        String lostTask = JobLedger.taskId(lost.getJob().getJobId(), 0, 0);
        counted.lease(lostTask, "node-a").orElseThrow();
        grid.clock().advance(Duration.ofSeconds(6));
        assertThat(counted.reclaimExpired(lostTask)).isTrue();
        counted.lease(lostTask, "node-b").orElseThrow();
        grid.clock().advance(Duration.ofSeconds(6));
        assertThat(counted.reclaimExpired(lostTask)).isTrue(); // out of attempts (2): the job fails

        assertThat(metrics.finished(JobTypes.NOOP, LedgerMetrics.COMPLETED)).isEqualTo(1);
        assertThat(metrics.finished(JobTypes.NOOP, LedgerMetrics.CANCELLED)).isEqualTo(1);
        assertThat(metrics.finished(JobTypes.NOOP, LedgerMetrics.FAILED)).isEqualTo(1);
        assertThat(metrics.leaseExpiries()).isEqualTo(2);
        assertThat(metrics.reassignments()).isEqualTo(1);
        assertThat(status(lost)).isEqualTo(JobStatus.JOB_STATUS_FAILED);

        java.util.Map<String, io.prometheus.metrics.model.snapshots.MetricSnapshot> exported = new java.util.HashMap<>();
        registry.scrape().forEach(m -> exported.put(m.getMetadata().getPrometheusName(), m));
        assertThat(exported).containsKeys("framegrid_jobs_submitted", "framegrid_jobs_finished",
                "framegrid_job_duration_seconds", "framegrid_task_lease_expiries", "framegrid_task_reassignments");
        io.prometheus.metrics.model.snapshots.HistogramSnapshot durations =
                (io.prometheus.metrics.model.snapshots.HistogramSnapshot) exported.get("framegrid_job_duration_seconds");
        assertThat(durations.getDataPoints()).anySatisfy(p -> {
            assertThat(p.getLabels().get("outcome")).isEqualTo("completed");
            assertThat(p.getCount()).isEqualTo(1);
            assertThat(p.getSum()).isGreaterThanOrEqualTo(1.5); // the test clock runs on from the real one
        });
        io.prometheus.metrics.model.snapshots.CounterSnapshot submitted =
                (io.prometheus.metrics.model.snapshots.CounterSnapshot) exported.get("framegrid_jobs_submitted");
        assertThat(submitted.getDataPoints()).singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(3));
    }

    @Test
    void aReaderThatSeesTheJobCompletedFindsItsOutputUnderTheOutputsLock() throws Exception {
        String owner = owner();
        for (int i = 0; i < 100; i++) {
            JobState job = ledger().submit(owner, "free", JobTypes.NOOP, "one task", Map.of(),
                    TYPES.plan(JobTypes.NOOP, Map.of()).orElseThrow());
            String jobId = job.getJob().getJobId();
            String taskId = JobLedger.taskId(jobId, 0, 0);
            TaskState leased = ledger().lease(taskId, "node-a").orElseThrow();
            byte[] data = {(byte) i, 42};
            // The reader spins (no sleep: the window between the job's entry and the output's is microseconds).
            java.util.concurrent.CompletableFuture<byte[]> seen = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        while (status(job) != JobStatus.JOB_STATUS_COMPLETED) {
                            Thread.onSpinWait();
                        }
                        return ledger().output(taskId).or(() -> ledger().committedOutput(taskId))
                                .map(o -> o.getData().toByteArray()).orElse(null);
                    });
            ledger().commit(leased, "node-a", new TaskCommit(data, List.of(), 0, List.of()));
            assertThat(seen.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("job %d", i).isEqualTo(data);
        }
        assertThat(ledger().committedOutput(JobLedger.taskId("no-such-job", 0, 0))).isEmpty();
    }
}
