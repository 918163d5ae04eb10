package io.framegrid.fabric.jobs;

import com.google.protobuf.ByteString;
import io.framegrid.config.FramegridConfig;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import io.framegrid.proto.cluster.v1.UserJobs;
import io.framegrid.proto.jobs.v1.Job;
import java.time.Clock;

/**
 * Writes of a task's lease holder: progress, failure reports and the commit of its output. Each one checks,
 * under the locks of the job and then the task, that the writer still holds the task's current lease with the
 * lease's fencing token, and writes nothing otherwise: a late writer (its lease expired and was re-leased, or the
 * job ended) is refused with {@link LeaseLostException}. A commit removes the task in the same transaction as it
 * stores the output, so an output is committed exactly once. A commit that ends its stage opens the next one; one
 * that ends the job also frees its owner's slot, so it locks the owner's admission record first (lock order
 * owner → job → task → output) and goes through the owner's batch.
 */
final class FencedCommits {
    private final LedgerRecords records;
    private final JobLog log;
    private final LedgerTransactions tx;
    private final OwnerBatcher<UserJobs.Builder> owners;
    private final Admission admission;
    private final FramegridConfig.Jobs config;
    private final Clock clock;

    FencedCommits(LedgerRecords records, JobLog log, LedgerTransactions tx, OwnerBatcher<UserJobs.Builder> owners,
                  Admission admission, FramegridConfig.Jobs config, Clock clock) {
        this.records = records;
        this.log = log;
        this.tx = tx;
        this.owners = owners;
        this.admission = admission;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Commits a task's output under its lease's fencing token; {@code leased} (the task as its lease returned it,
     * or null) lets the only task of a stage go straight to the owner's batch, since it always ends the stage
     * (and the job, at the last stage): one read and parse fewer per job-ending commit. The same checks run
     * under the locks either way.
     */
    JobState commit(String taskId, String nodeId, long fence, TaskCommit result, TaskState leased) {
        String jobId = LedgerKeys.jobIdOf(taskId);
        if (leased != null && leased.getChunks() == 1 && !leased.getOwnerId().isEmpty()) {
            return owners.run(leased.getOwnerId(), ujb -> commitOnce(taskId, jobId, nodeId, fence, result, ujb));
        }
        JobState peek = records.job(jobId);
        if (peek == null) {
            throw new LeaseLostException("Job " + jobId + " is gone");
        }
        String owner = peek.getJob().getOwnerId();
        if (!lastOpenTask(peek)) {
            try {
                return tx.inTx(() -> commitOnce(taskId, jobId, nodeId, fence, result, null));
            } catch (NeedsOwnerLock e) {
                // Another task of the job committed meanwhile: this one now ends the stage or the job.
            }
        }
        // Ends the job: batched with the owner's other submits and job-ending commits (one owner lock per batch).
        return owners.run(owner, ujb -> commitOnce(taskId, jobId, nodeId, fence, result, ujb));
    }

    /**
     * Checks everything before writing anything, so a refused commit leaves a shared batch untouched.
     * {@code ujb} is the owner's record when the caller holds its lock, else null (then a commit that would
     * end the job stops with {@link NeedsOwnerLock} before writing, to be run again under the owner's lock).
     */
    private JobState commitOnce(String taskId, String jobId, String nodeId, long fence, TaskCommit result,
                                UserJobs.Builder ujb) {
        JobState.Builder js = records.lockedJob(jobId).toBuilder();
        if (Admission.isTerminal(js.getJob().getStatus())) {
            throw new LeaseLostException("Job " + jobId + " already ended");
        }
        if (ujb == null && lastOpenTask(js.build())) {
            throw new NeedsOwnerLock();
        }
        TaskState task = records.task(taskId);
        if (!Leases.holds(task, nodeId, fence)) {
            throw new LeaseLostException("Lease of " + taskId + " (token " + fence + ") is no longer held");
        }
        if (records.hasOutput(taskId)) {
            throw new LeaseLostException("Output of " + taskId + " already committed");
        }
        long now = clock.millis();
        records.putOutput(TaskOutput.newBuilder().setTaskId(taskId).setJobId(jobId).setFence(fence)
                .setNodeId(nodeId).setData(ByteString.copyFrom(result.data()))
                .addAllResultRefs(result.resultRefs()).setCommittedMs(now).build());
        records.removeTask(taskId);
        Job.Builder job = js.getJobBuilder();
        job.setTasksDone(job.getTasksDone() + 1).addAllResultRefs(result.resultRefs())
                .setCreditsUsed(job.getCreditsUsed() + result.credits());
        for (String line : result.logLines()) {
            log.append(js, "INFO", line);
        }
        js.setOpenTasks(js.getOpenTasks() - 1);
        job.setProgress(Math.max(job.getProgress(),
                (int) Math.min(99, job.getTasksDone() * 100L / Math.max(1, job.getTasksTotal()))));
        if (js.getOpenTasks() == 0) {
            if (js.getCurrentStage() + 1 < js.getStagesCount()) {
                js.setCurrentStage(js.getCurrentStage() + 1);
                admission.openStage(js, now);
            } else {
                admission.complete(js, ujb, now);
            }
        }
        js.setEventSequence(js.getEventSequence() + 1);
        JobState built = js.build();
        records.putJob(built);
        return built;
    }

    private static boolean lastOpenTask(JobState js) {
        return js.getOpenTasks() <= 1 && js.getCurrentStage() + 1 >= js.getStagesCount();
    }

    /**
     * Records in-task progress (0..100 of this task) and the step text; refused when the lease is lost. Progress
     * only informs, and the next report carries a newer value: one short attempt ({@link LedgerTransactions#once}),
     * and a report that cannot get the job's lock in time (another node's change holds it, perhaps a cut-off
     * node's until the grid drops it) is dropped rather than failing or stalling the task.
     */
    void progress(String taskId, String nodeId, long fence, int percent, String step) {
        String jobId = LedgerKeys.jobIdOf(taskId);
        try {
            progressOnce(taskId, jobId, nodeId, fence, percent, step);
        } catch (RuntimeException e) {
            if (!Retries.transient_(e)) {
                throw e;
            }
        }
    }

    private void progressOnce(String taskId, String jobId, String nodeId, long fence, int percent, String step) {
        tx.once(() -> {
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            TaskState task = records.task(taskId);
            if (!Leases.holds(task, nodeId, fence) || Admission.isTerminal(js.getJob().getStatus())) {
                throw new LeaseLostException("Lease of " + taskId + " lost");
            }
            Job.Builder job = js.getJobBuilder();
            int total = Math.max(1, job.getTasksTotal());
            int p = (int) Math.min(99, (job.getTasksDone() * 100L + Math.max(0, Math.min(100, percent))) / total);
            boolean changed = false;
            if (p > job.getProgress()) {
                job.setProgress(p);
                changed = true;
            }
            if (step != null && !step.isEmpty() && !step.equals(job.getCurrentStep())) {
                job.setCurrentStep(step);
                changed = true;
            }
            if (changed) {
                js.setEventSequence(js.getEventSequence() + 1);
                records.putJob(js.build());
            }
            return null;
        });
    }

    /**
     * Reports a failed run. The task goes back to the pending pool while attempts remain and the failure is
     * {@code retryable}; otherwise the job fails. A caller that lost its lease changes nothing.
     */
    void fail(String taskId, String nodeId, long fence, String error, boolean retryable) {
        TaskState task = records.task(taskId);
        if (!Leases.holds(task, nodeId, fence)) {
            return;
        }
        String jobId = LedgerKeys.jobIdOf(taskId);
        if (!retryable || task.getAttempts() >= config.maxAttempts()) {
            admission.failJob(jobId, taskId, fence, nodeId, "Task " + taskId + " failed: " + error);
            return;
        }
        tx.run(() -> {
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            TaskState current = records.task(taskId);
            if (!Leases.holds(current, nodeId, fence)) {
                return;
            }
            records.putTask(current.toBuilder().setStatus(TaskStatus.TASK_STATUS_PENDING).setLeaseNode("")
                    .setLeaseExpiresMs(0).build());
            log.append(js, "WARN", "Task " + taskId + " failed on attempt " + current.getAttempts() + ": " + error);
            records.putJob(js.build());
        });
    }

    /** Internal signal: the commit finishes the job and must lock the owner's admission record first. */
    private static final class NeedsOwnerLock extends RuntimeException {
        NeedsOwnerLock() {
            super(null, null, false, false);
        }
    }
}
