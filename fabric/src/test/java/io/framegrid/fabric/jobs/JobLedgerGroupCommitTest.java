package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent submits and job-ending commits of one owner share transactions ({@link OwnerBatcher});
 * admission must still follow the tier limit exactly, and every task must commit exactly once.
 */
class JobLedgerGroupCommitTest {
    @RegisterExtension
    static final GridExtension cluster = new GridExtension(Map.of("jobs.tier-limit.pro", 3));

    private static final ExecutorService pool = Executors.newFixedThreadPool(12);

    @AfterAll
    static void stopPool() {
        // shutdown, not shutdownNow: interrupting a thread inside a grid transaction can wedge the node's stop.
        pool.shutdown();
    }

    private static List<StagePlan> noop() {
        return JobTypes.withBuiltIns().plan(JobTypes.NOOP, Map.of()).orElseThrow();
    }

    @Test
    void concurrentSubmitsAdmitExactlyTheTierLimit() throws Exception {
        JobLedger ledger = new JobLedger(cluster.ignite(), cluster.config().jobs(), cluster.clock());
        String owner = "owner-" + UUID.randomUUID();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<JobState>> submits = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            submits.add(pool.submit(() -> {
                start.await();
                return ledger.submit(owner, "pro", JobTypes.NOOP, "noop", Map.of(), noop());
            }));
        }
        start.countDown();
        List<String> jobIds = new ArrayList<>();
        for (Future<JobState> f : submits) {
            jobIds.add(f.get(30, TimeUnit.SECONDS).getJob().getJobId());
        }
        assertThat(jobIds).doesNotHaveDuplicates();
        assertThat(statuses(ledger, jobIds, JobStatus.JOB_STATUS_PROCESSING)).isEqualTo(3);
        assertThat(statuses(ledger, jobIds, JobStatus.JOB_STATUS_QUEUED)).isEqualTo(21);

        // Rounds: lease the admitted jobs' tasks, then commit them from concurrent threads, so their
        // job-ending commits (each admitting a queued job) share owner transactions.
        int commits = 0;
        for (int round = 0; round < 8; round++) {
            List<String> processing = jobIds.stream()
                    .filter(id -> ledger.state(id).orElseThrow().getJob().getStatus() == JobStatus.JOB_STATUS_PROCESSING)
                    .toList();
            assertThat(processing).hasSize(3);
            CountDownLatch go = new CountDownLatch(1);
            String node = "node-" + round;
            List<Future<JobState>> committed = new ArrayList<>();
            for (String jobId : processing) {
                String taskId = JobLedger.taskId(jobId, 0, 0);
                TaskState leased = ledger.lease(taskId, node).orElseThrow();
                committed.add(pool.submit(() -> {
                    go.await();
                    return ledger.commit(taskId, node, leased.getFence(),
                            new TaskCommit(new byte[0], List.of(), 1, List.of()));
                }));
            }
            go.countDown();
            for (Future<JobState> f : committed) {
                assertThat(f.get(30, TimeUnit.SECONDS).getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
                commits++;
            }
        }
        assertThat(commits).isEqualTo(24);
        assertThat(statuses(ledger, jobIds, JobStatus.JOB_STATUS_COMPLETED)).isEqualTo(24);
        for (String jobId : jobIds) {
            JobState state = ledger.state(jobId).orElseThrow();
            assertThat(state.getJob().getTasksDone()).isEqualTo(1);
            assertThat(state.getJob().getCreditsUsed()).isEqualTo(1);
            assertThat(ledger.output(JobLedger.taskId(jobId, 0, 0))).isPresent();
        }
    }

    private static long statuses(JobLedger ledger, List<String> jobIds, JobStatus status) {
        return jobIds.stream().filter(id -> ledger.state(id).orElseThrow().getJob().getStatus() == status).count();
    }
}
