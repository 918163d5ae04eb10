package io.framegrid.fabric.jobs;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.FabricException;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import io.framegrid.proto.cluster.v1.UserJobs;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Admission of jobs against their owner's tier limit, and every way a job leaves the processing set. An owner's
 * admission record ({@code UserJobs}: active and queued job ids) is the first lock of every change here, then
 * the job, then its tasks: a job is admitted (queued → processing, its first stage's tasks opened) when it is
 * submitted under the limit, or when another job of its owner ends and frees a slot, in the same transaction as
 * that end. Because a task is deleted when its job ends, no task of an ended job can be leased or committed.
 */
final class Admission {
    private final LedgerRecords records;
    private final JobLog log;
    private final LedgerTransactions tx;
    private final OwnerBatcher<UserJobs.Builder> owners;
    private final FramegridConfig.Jobs config;
    private final Clock clock;

    Admission(LedgerRecords records, JobLog log, LedgerTransactions tx, OwnerBatcher<UserJobs.Builder> owners,
              FramegridConfig.Jobs config, Clock clock) {
        this.records = records;
        this.log = log;
        this.tx = tx;
        this.owners = owners;
        this.config = config;
        this.clock = clock;
    }

    static boolean isTerminal(JobStatus status) {
        return status == JobStatus.JOB_STATUS_COMPLETED || status == JobStatus.JOB_STATUS_FAILED
                || status == JobStatus.JOB_STATUS_CANCELLED;
    }

    /** Stores a new job, admitted at once or queued behind the owner's limit. */
    JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                    List<StagePlan> stages, Duration maxDuration, JobLedger.SubmitHook hook) {
        String jobId = UUID.randomUUID().toString();
        long now = clock.millis();
        int total = stages.stream().mapToInt(StagePlan::getChunks).sum();
        // Group commit: concurrent submits of one owner share one transaction and one lock of the owner's record.
        return owners.run(ownerId, ujb -> {
            // First, before anything of this job is written: a refusal of the hook refuses this job alone.
            hook.beforeStore(jobId, ownerId);
            JobState.Builder js = JobState.newBuilder()
                    .setJob(Job.newBuilder().setJobId(jobId).setOwnerId(ownerId).setType(type)
                            .setDisplayName(displayName).setStatus(JobStatus.JOB_STATUS_QUEUED)
                            .setCreatedAt(Protos.timestamp(now)).putAllMetadata(metadata).setTasksTotal(total)
                            .setCurrentStep("queued"))
                    .addAllStages(stages).setTier(tier).setCreatedMs(now).setEventSequence(1)
                    .setMaxDurationMs(maxDuration.toMillis());
            log.append(js, "INFO", "Job submitted (type " + type + ", " + total + " tasks)");
            if (ujb.getActiveCount() < config.concurrentJobs(tier)) {
                admit(js, ujb, now);
            } else {
                ujb.addQueued(jobId);
                log.append(js, "INFO",
                        "Queued: " + ujb.getActiveCount() + " jobs already processing (tier " + tier + ")");
            }
            JobState built = js.build();
            records.putJob(built);
            tx.count(m -> m.jobSubmitted(type));
            return built;
        });
    }

    /** Cancels a queued or processing job: its open tasks are removed, so no running task can commit. */
    JobState cancel(String jobId) {
        return cancel(jobId, false);
    }

    /** As {@link #cancel(String)}; with {@code queuedOnly}, a job that is already processing is refused too. */
    JobState cancel(String jobId, boolean queuedOnly) {
        JobState peek = records.job(jobId);
        if (peek == null) {
            throw FabricException.notFound("JOB_NOT_FOUND", "Job not found");
        }
        String owner = peek.getJob().getOwnerId();
        return tx.inTx(() -> {
            UserJobs.Builder ujb = records.owner(owner).toBuilder();
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            JobStatus status = js.getJob().getStatus();
            if (isTerminal(status)) {
                throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "JOB_FINISHED",
                        "Job already " + status.name().substring("JOB_STATUS_".length()).toLowerCase());
            }
            if (queuedOnly && status != JobStatus.JOB_STATUS_QUEUED) {
                throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "JOB_NOT_QUEUED",
                        "Job already processing: only a queued job can be cancelled");
            }
            long now = clock.millis();
            if (status == JobStatus.JOB_STATUS_PROCESSING) {
                removeOpenTasks(js);
            }
            js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_CANCELLED).setCompletedAt(Protos.timestamp(now))
                    .setCurrentStep("cancelled");
            js.setEventSequence(js.getEventSequence() + 1);
            log.append(js, "INFO", "Job cancelled");
            finish(js, ujb, now);
            countEnd(js, LedgerMetrics.CANCELLED, now);
            JobState built = js.build();
            records.putJob(built);
            records.putOwner(owner, ujb.build());
            return built;
        });
    }

    /**
     * Fails the job of a task, if the task still carries {@code fence} (and, when {@code nodeId} is set, is leased
     * to that node): the fenced end of a job out of attempts. Nothing happens when the job ended meanwhile.
     */
    void failJob(String jobId, String taskId, long fence, String nodeId, String error) {
        JobState peek = records.job(jobId);
        if (peek == null) {
            return;
        }
        String owner = peek.getJob().getOwnerId();
        tx.run(() -> {
            UserJobs.Builder ujb = records.owner(owner).toBuilder();
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            TaskState task = records.task(taskId);
            if (isTerminal(js.getJob().getStatus()) || task == null || task.getFence() != fence
                    || (nodeId != null && !nodeId.equals(task.getLeaseNode()))) {
                return;
            }
            failLocked(js, ujb, owner, error);
        });
    }

    /** Ends a processing job as failed, under the locks of its owner's record and the job (held by the caller). */
    void failLocked(JobState.Builder js, UserJobs.Builder ujb, String owner, String error) {
        long now = clock.millis();
        removeOpenTasks(js);
        js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_FAILED).setErrorMessage(error)
                .setCompletedAt(Protos.timestamp(now)).setCurrentStep("failed");
        js.setEventSequence(js.getEventSequence() + 1);
        log.append(js, "ERROR", error);
        finish(js, ujb, now);
        countEnd(js, LedgerMetrics.FAILED, now);
        records.putJob(js.build());
        records.putOwner(owner, ujb.build());
    }

    /** Ends a job that just completed its last stage, under the locks of its owner's record and the job. */
    void complete(JobState.Builder js, UserJobs.Builder ujb, long now) {
        js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_COMPLETED).setProgress(100)
                .setCompletedAt(Protos.timestamp(now)).setCurrentStep("completed");
        log.append(js, "INFO", "Job completed");
        finish(js, ujb, now);
        countEnd(js, LedgerMetrics.COMPLETED, now);
    }

    private void countEnd(JobState.Builder js, String outcome, long now) {
        String type = js.getJob().getType();
        long created = js.getCreatedMs();
        tx.count(m -> m.jobFinished(type, outcome, created, now));
    }

    /** Opens the tasks of the job's current stage: they become leasable when the transaction commits. */
    void openStage(JobState.Builder js, long now) {
        StagePlan stage = js.getStages(js.getCurrentStage());
        Job job = js.getJob();
        for (int chunk = 0; chunk < stage.getChunks(); chunk++) {
            String id = LedgerKeys.taskId(job.getJobId(), js.getCurrentStage(), chunk);
            records.putTask(TaskState.newBuilder().setTaskId(id).setJobId(job.getJobId())
                    .setOwnerId(job.getOwnerId()).setJobType(job.getType()).setTaskType(stage.getTaskType())
                    .setStage(js.getCurrentStage()).setChunk(chunk).setChunks(stage.getChunks())
                    .setRequirements(stage.getRequirements()).putAllParams(job.getMetadataMap())
                    .putAllParams(stage.getParamsMap()).setStatus(TaskStatus.TASK_STATUS_PENDING).setCreatedMs(now)
                    .setJobDeadlineMs(js.getDeadlineMs()).build());
        }
        js.setOpenTasks(stage.getChunks());
        js.getJobBuilder().setCurrentStep(stage.getName());
    }

    private void admit(JobState.Builder js, UserJobs.Builder ujb, long now) {
        ujb.addActive(js.getJob().getJobId());
        js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_PROCESSING).setStartedAt(Protos.timestamp(now));
        if (js.getMaxDurationMs() > 0) {
            js.setDeadlineMs(now + js.getMaxDurationMs());
        }
        js.setCurrentStage(0);
        openStage(js, now);
    }

    /** Removes the tasks of the job's current stage: whoever runs one loses its lease and cannot commit. */
    private void removeOpenTasks(JobState.Builder js) {
        if (js.getStagesCount() == 0) {
            return;
        }
        StagePlan stage = js.getStages(js.getCurrentStage());
        TreeSet<String> ids = new TreeSet<>();
        for (int chunk = 0; chunk < stage.getChunks(); chunk++) {
            ids.add(LedgerKeys.taskId(js.getJob().getJobId(), js.getCurrentStage(), chunk));
        }
        records.removeTasks(ids);
        js.setOpenTasks(0);
    }

    /** The job left the processing set: admit the owner's oldest queued jobs while the tier allows. */
    private void finish(JobState.Builder js, UserJobs.Builder ujb, long now) {
        String jobId = js.getJob().getJobId();
        List<String> active = new ArrayList<>(ujb.getActiveList());
        List<String> queued = new ArrayList<>(ujb.getQueuedList());
        active.remove(jobId);
        queued.remove(jobId);
        ujb.clearActive().addAllActive(active).clearQueued();
        int limit = config.concurrentJobs(js.getTier());
        while (ujb.getActiveCount() < limit && !queued.isEmpty()) {
            String next = queued.remove(0);
            JobState waiting = records.job(next);
            if (waiting == null || waiting.getJob().getStatus() != JobStatus.JOB_STATUS_QUEUED) {
                continue;
            }
            JobState.Builder nb = waiting.toBuilder();
            admit(nb, ujb, now);
            nb.setEventSequence(nb.getEventSequence() + 1);
            log.append(nb, "INFO", "Job started");
            records.putJob(nb.build());
        }
        ujb.addAllQueued(queued);
    }
}
