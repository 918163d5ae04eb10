package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.fabric.testing.TestJobTypes;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ledger changes against a lock that another transaction keeps, as a cut-off node's open transaction does until the
 * grid drops that node: periodic writes (renewal, progress) give up and leave their thread free, a commit keeps
 * retrying, short attempts that free what they locked, and lands exactly once when the lock is released.
 */
class LedgerLockWaitTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "jobs.tier-limit.free", 10,
            "jobs.lease-time", "2s",
            "jobs.transaction.lock-timeout", "200ms",
            "jobs.transaction.retry-time", "60s"));
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static final JobTypes TYPES = TestJobTypes.register(JobTypes.withBuiltIns());

    private static JobState submit() {
        Map<String, String> meta = Map.of("chunks", "2");
        List<StagePlan> stages = TYPES.plan(TestJobTypes.WRITE_OUTPUTS, meta).orElseThrow();
        return grid.ledger().submit("owner-" + UUID.randomUUID(), "free", TestJobTypes.WRITE_OUTPUTS, "test", meta, stages);
    }

    @Test
    void periodicWritesGiveUpOnAHeldLockAndACommitRetriesUntilItIsReleasedThenLandsOnce() throws Exception {
        JobLedger ledger = grid.ledger();
        JobState job = submit();
        String jobId = job.getJob().getJobId();
        String taskId = JobLedger.taskId(jobId, 0, 0);
        TaskState leased = ledger.lease(taskId, "node-a").orElseThrow();

        try (Holder holder = Holder.lock(CacheNames.TASKS, taskId)) {
            // The renewal cannot lock the task: it fails (the next heartbeat tries again) instead of waiting.
            CompletableFuture<Boolean> renewal = CompletableFuture.supplyAsync(
                    () -> ledger.renew(taskId, "node-a", leased.getFence()));
            await("the renewal gives up while the lock is held").atMost(BOUND).until(renewal::isDone);
            assertThat(renewal).isCompletedExceptionally();
            assertThat(holder.holding()).isTrue();
        }
        assertThat(ledger.renew(taskId, "node-a", leased.getFence())).isTrue();

        CompletableFuture<JobState> commit;
        try (Holder holder = Holder.lock(CacheNames.JOBS, jobId)) {
            // Progress only informs: a report that cannot lock the job is dropped, the task goes on.
            ledger.progress(taskId, "node-a", leased.getFence(), 50, "halfway");
            assertThat(ledger.state(jobId).orElseThrow().getJob().getCurrentStep()).isNotEqualTo("halfway");

            long retriesBefore = ledger.metrics().retries();
            commit = CompletableFuture.supplyAsync(() -> ledger.commit(leased, "node-a",
                    new TaskCommit(new byte[] {1}, List.of("ref-0"), 1, List.of())));
            // Its attempts time out and roll back (freeing what they locked) while the holder keeps the job.
            await("the commit retrying behind the held lock").atMost(BOUND)
                    .until(() -> ledger.metrics().retries() >= retriesBefore + 2);
            assertThat(commit).isNotDone();
            assertThat(holder.holding()).isTrue();
        }
        JobState after = commit.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(after.getJob().getTasksDone()).isEqualTo(1);
        assertThat(ledger.output(taskId)).get().satisfies(o -> assertThat(o.getFence()).isEqualTo(leased.getFence()));
        assertThat(ledger.task(taskId)).isEmpty();
    }

    /** Another transaction holding one key's lock until closed, on a thread of its own. */
    private static final class Holder implements AutoCloseable {
        private final CountDownLatch locked = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread thread;
        private volatile boolean holding;

        private Holder(String cache, String key) {
            thread = new Thread(() -> {
                try (Transaction tx = grid.ignite().transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                        TransactionIsolation.REPEATABLE_READ, 120_000, 0)) {
                    grid.ignite().cache(cache).get(key);
                    holding = true;
                    locked.countDown();
                    release.await();
                    holding = false;
                    tx.rollback();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "lock-holder");
            thread.start();
        }

        static Holder lock(String cache, String key) throws InterruptedException {
            Holder holder = new Holder(cache, key);
            assertThat(holder.locked.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("lock taken").isTrue();
            return holder;
        }

        boolean holding() {
            return holding;
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            thread.join(BOUND.toMillis());
        }
    }
}
