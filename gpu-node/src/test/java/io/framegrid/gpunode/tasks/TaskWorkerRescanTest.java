package io.framegrid.gpunode.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.gpunode.testing.TestTasks;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An idle worker that never hears of a pending task (its continuous query's events lost, as when a cut-off node is
 * dropped in the same topology change that moves partitions) still finds and runs it by its periodic rescan.
 */
class TaskWorkerRescanTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "jobs.tier-limit.free", 100,
            "jobs.lease-time", "2s",
            "jobs.heartbeat-interval", "100ms"));

    private static final JobTypes TYPES = JobTypes.withBuiltIns();

    @Test
    void anIdleWorkerRunsAPendingTaskNoEventAnnounced() throws Exception {
        Ignite client = grid.joinClient("gpu-node");
        JobLedger ledger = new JobLedger(client, grid.config().jobs(), Clock.systemUTC());
        try (TaskWorker worker = new TaskWorker(client, ledger, TestTasks.executors(),
                new WorkerProfile("rescan", false, Set.of(), 2), Clock.systemUTC()).start()) {
            worker.dropTaskEvents();
            Job job = grid.ledger().submit("owner-rescan", "free", JobTypes.NOOP, "unannounced", Map.of(),
                    TYPES.plan(JobTypes.NOOP, Map.of()).orElseThrow()).getJob();

            // Counted after the commit that completes the job, so awaiting the count orders both.
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.completedTasks() == 1);
            assertThat(grid.ledger().state(job.getJobId()).orElseThrow().getJob().getStatus())
                    .isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        } finally {
            client.close();
        }
    }
}
