package io.framegrid.gpunode.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.grid.CacheNames;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker whose lease of a pending task fails (here: another transaction holds the task's lock past the ledger's
 * retry time, as the open transactions of a node being cut off do) takes the task as soon as the lock is gone, though
 * nothing in the grid changed to tell it: the grid sends no new event for a task that stayed pending.
 */
class TaskWorkerLeaseRetryTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "jobs.tier-limit.free", 100,
            "jobs.lease-time", "2s",
            "jobs.heartbeat-interval", "200ms",
            "jobs.transaction.lock-timeout", "200ms",
            "jobs.transaction.retry-time", "3s",
            "grid.client-failure-detection-timeout", "2s"));

    private static final JobTypes TYPES = JobTypes.withBuiltIns();

    @Test
    void aTaskWhoseLeaseTimedOutIsLeasedOnceItsLockIsFree() throws Exception {
        Job job = grid.ledger().submit("owner-retry", "free", JobTypes.NOOP, "locked", Map.of(),
                TYPES.plan(JobTypes.NOOP, Map.of()).orElseThrow()).getJob();
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            IgniteCache<String, byte[]> tasks = grid.ignite().cache(CacheNames.TASKS);
            try (Transaction tx = grid.ignite().transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ)) {
                tasks.get(taskId);
                locked.countDown();
                release.await(60, TimeUnit.SECONDS);
                tx.rollback();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();

        Ignite client = grid.joinClient("gpu-node");
        JobLedger ledger = new JobLedger(client, grid.config().jobs(), Clock.systemUTC());
        try (TaskWorker worker = new TaskWorker(client, ledger, TestTasks.executors(),
                new WorkerProfile("retry", false, Set.of(), 2), Clock.systemUTC()).start()) {
            // One lease call retries at most 5 times within the 3 s retry time (attempts of 200, 400, 800 ms, then
            // what is left); more means it failed and its task was tried again.
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.metrics().retries() >= 8);
            assertThat(grid.ledger().state(job.getJobId()).orElseThrow().getJob().getStatus())
                    .isNotEqualTo(JobStatus.JOB_STATUS_COMPLETED);

            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    grid.ledger().state(job.getJobId()).orElseThrow().getJob().getStatus()
                            == JobStatus.JOB_STATUS_COMPLETED);
        } finally {
            release.countDown();
            client.close();
        }
    }
}
