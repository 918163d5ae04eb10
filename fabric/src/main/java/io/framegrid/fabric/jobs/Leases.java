package io.framegrid.fabric.jobs;

import io.framegrid.config.FramegridConfig;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import io.framegrid.proto.cluster.v1.UserJobs;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Task leases. A lease gives one node a pending task until {@code lease_expires_ms}, with a fencing token
 * ({@code fence}) one higher than any earlier lease of the task: whoever holds the task's current token may renew
 * it, report progress and commit; a lease that ran out goes back to the pending pool (or ends its job when out of
 * attempts), and every later write under the old token is refused. Each change locks the task (after its job,
 * where the job changes too); several tasks are locked in sorted key order.
 */
final class Leases {
    private final LedgerRecords records;
    private final JobLog log;
    private final LedgerTransactions tx;
    private final Admission admission;
    private final FramegridConfig.Jobs config;
    private final Clock clock;

    Leases(LedgerRecords records, JobLog log, LedgerTransactions tx, Admission admission, FramegridConfig.Jobs config,
           Clock clock) {
        this.records = records;
        this.log = log;
        this.tx = tx;
        this.admission = admission;
        this.config = config;
        this.clock = clock;
    }

    /** Whether {@code nodeId} holds {@code task}'s current lease under {@code fence}. */
    static boolean holds(TaskState task, String nodeId, long fence) {
        return task != null && task.getStatus() == TaskStatus.TASK_STATUS_LEASED && task.getFence() == fence
                && task.getLeaseNode().equals(nodeId);
    }

    /** Takes a pending task for {@code nodeId}; empty when someone else got it first or it is gone. */
    Optional<TaskState> lease(String taskId, String nodeId) {
        return tx.inTx(() -> {
            TaskState task = records.task(taskId);
            if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_PENDING) {
                return Optional.<TaskState>empty();
            }
            TaskState leased = leased(task, nodeId, clock.millis() + config.leaseTime().toMillis());
            records.putTask(leased);
            return Optional.of(leased);
        });
    }

    /** Takes several pending tasks in one transaction; returns those it got. */
    List<TaskState> leaseAll(Collection<String> taskIds, String nodeId) {
        if (taskIds.size() == 1) {
            return lease(taskIds.iterator().next(), nodeId).map(List::of).orElse(List.of());
        }
        SortedSet<String> keys = new TreeSet<>(taskIds);
        return tx.inTx(() -> {
            Map<String, byte[]> found = records.tasks(keys);
            long expires = clock.millis() + config.leaseTime().toMillis();
            List<TaskState> taken = new ArrayList<>();
            Map<String, byte[]> updates = new TreeMap<>();
            for (String key : keys) {
                TaskState task = Protos.parse(TaskState.parser(), found.get(key));
                if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_PENDING) {
                    continue;
                }
                TaskState next = leased(task, nodeId, expires);
                updates.put(key, next.toByteArray());
                taken.add(next);
            }
            records.putTasks(updates);
            return taken;
        });
    }

    private TaskState leased(TaskState task, String nodeId, long expiresMs) {
        if (task.getAttempts() > 0) {
            tx.count(LedgerMetrics::taskReassigned);
        }
        return task.toBuilder().setStatus(TaskStatus.TASK_STATUS_LEASED).setLeaseNode(nodeId)
                .setLeaseExpiresMs(expiresMs).setFence(task.getFence() + 1).setAttempts(task.getAttempts() + 1)
                .build();
    }

    /**
     * Extends a lease; false when the caller no longer holds it (the task must stop). One short attempt
     * ({@link LedgerTransactions#once}): its node renews every heartbeat, one lease after the other, so a renewal
     * stuck on a lock (a cut-off node's transaction) must give up quickly and leave the others their turn; a
     * transient failure propagates and the next heartbeat tries again.
     */
    boolean renew(String taskId, String nodeId, long fence) {
        return tx.once(() -> {
            TaskState task = records.task(taskId);
            if (!holds(task, nodeId, fence)) {
                return false;
            }
            records.putTask(task.toBuilder().setLeaseExpiresMs(clock.millis() + config.leaseTime().toMillis())
                    .build());
            return true;
        });
    }

    /** Returns a leased task whose lease ran out to the pending pool (or fails its job when out of attempts). */
    boolean reclaimExpired(String taskId) {
        String jobId = LedgerKeys.jobIdOf(taskId);
        TaskState peek = records.task(taskId);
        if (peek == null || peek.getStatus() != TaskStatus.TASK_STATUS_LEASED
                || peek.getLeaseExpiresMs() >= clock.millis()) {
            return false;
        }
        if (peek.getAttempts() >= config.maxAttempts()) {
            // Fenced by the expired lease's token: a renewal or commit that won meanwhile keeps the job alive.
            admission.failJob(jobId, taskId, peek.getFence(), null,
                    "Task " + taskId + " lost its lease " + peek.getAttempts() + " times");
            tx.count(LedgerMetrics::leaseExpired);
            return true;
        }
        return tx.inTx(() -> {
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            TaskState task = records.task(taskId);
            if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_LEASED
                    || task.getLeaseExpiresMs() >= clock.millis()) {
                return false;
            }
            records.putTask(task.toBuilder().setStatus(TaskStatus.TASK_STATUS_PENDING).setLeaseNode("")
                    .setLeaseExpiresMs(0).build());
            log.append(js, "WARN", "Lease of task " + taskId + " on node " + task.getLeaseNode()
                    + " expired; task re-queued");
            records.putJob(js.build());
            tx.count(LedgerMetrics::leaseExpired);
            return true;
        });
    }

    /**
     * Fails a job still processing past its deadline; its open tasks are removed, so running tasks lose their
     * leases (and stop) and nothing they produce afterwards can commit. False when it ended meanwhile.
     */
    boolean expire(String jobId) {
        JobState peek = records.job(jobId);
        if (peek == null || Admission.isTerminal(peek.getJob().getStatus()) || peek.getDeadlineMs() == 0
                || peek.getDeadlineMs() > clock.millis()) {
            return false;
        }
        String owner = peek.getJob().getOwnerId();
        return tx.inTx(() -> {
            UserJobs.Builder ujb = records.owner(owner).toBuilder();
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            if (Admission.isTerminal(js.getJob().getStatus())) {
                return false;
            }
            admission.failLocked(js, ujb, owner,
                    "Job exceeded its maximum duration of " + humanDuration(js.getMaxDurationMs()));
            return true;
        });
    }

    private static String humanDuration(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toSeconds() % 60 == 0 && d.toMinutes() > 0) {
            return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes");
        }
        return (millis / 1000.0) + " s";
    }
}
