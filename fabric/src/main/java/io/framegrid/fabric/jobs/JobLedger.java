package io.framegrid.fabric.jobs;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.FabricException;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import io.framegrid.proto.cluster.v1.UserJobs;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * The durable state machine of jobs and their leased tasks, shared by coordinators (submit, cancel,
 * lease reclaim) and gpu-nodes (lease, renew, commit). Every change is one pessimistic transaction
 * (changes that lock an owner's admission record may share one, see {@link #withOwner}).
 *
 * <p>Lock order, to stay deadlock-free: the owner's admission record, then jobs, then tasks and outputs.
 * A task's output is committed only by the holder of the task's current lease, presenting the lease's
 * fencing token; the commit removes the task in the same transaction, so an output is committed exactly once.
 */
public final class JobLedger {
    private static final char SEP = '#';
    /**
     * Log lines 1..this of a job live in the job record ({@code JobState.inline_log}), written in the same put
     * as the state change they belong to; a short job (submitted, completed) writes no log-cache entry at all.
     */
    static final int INLINE_LOG_LINES = 4;

    private final Ignite ignite;
    private final IgniteCache<String, byte[]> jobs;
    private final IgniteCache<String, byte[]> tasks;
    private final IgniteCache<String, byte[]> outputs;
    private final IgniteCache<String, byte[]> userJobs;
    private final IgniteCache<String, byte[]> logs;
    private final FramegridConfig.Jobs config;
    private final Clock clock;
    private final Map<String, OwnerBatch> ownerBatches = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.LongAdder TRANSACTIONS = new java.util.concurrent.atomic.LongAdder();

    /** Ledger transactions committed or attempted by this JVM so far (for benchmarks: transactions per job). */
    public static long transactions() {
        return TRANSACTIONS.sum();
    }

    public JobLedger(Ignite ignite, FramegridConfig.Jobs config, Clock clock) {
        this.ignite = ignite;
        this.jobs = ignite.cache(CacheNames.JOBS);
        this.tasks = ignite.cache(CacheNames.TASKS);
        this.outputs = ignite.cache(CacheNames.TASK_OUTPUTS);
        this.userJobs = ignite.cache(CacheNames.USER_JOBS);
        this.logs = ignite.cache(CacheNames.JOB_LOGS);
        this.config = config;
        this.clock = clock;
    }

    public FramegridConfig.Jobs config() {
        return config;
    }

    public static String taskId(String jobId, int stage, int chunk) {
        return jobId + SEP + stage + SEP + chunk;
    }

    public static String jobIdOf(String taskId) {
        return taskId.substring(0, taskId.indexOf(SEP));
    }

    public static String logKey(String jobId, long sequence) {
        return jobId + SEP + sequence;
    }

    public static boolean isTerminal(JobStatus status) {
        return status == JobStatus.JOB_STATUS_COMPLETED || status == JobStatus.JOB_STATUS_FAILED
                || status == JobStatus.JOB_STATUS_CANCELLED;
    }

    // ---- reads -------------------------------------------------------------------------------

    public Optional<JobState> state(String jobId) {
        return Optional.ofNullable(Protos.parse(JobState.parser(), jobs.get(jobId)));
    }

    public Optional<TaskState> task(String taskId) {
        return Optional.ofNullable(Protos.parse(TaskState.parser(), tasks.get(taskId)));
    }

    public Optional<TaskOutput> output(String taskId) {
        return Optional.ofNullable(Protos.parse(TaskOutput.parser(), outputs.get(taskId)));
    }

    /** Stored log lines of a job, oldest first; at most the last {@code tail} when tail &gt; 0. */
    public List<LogEntry> logLines(String jobId, int tail) {
        JobState state = state(jobId).orElse(null);
        if (state == null) {
            return List.of();
        }
        long last = state.getLogSequence();
        long first = Math.max(1, last - config.maxLogLines() + 1);
        if (tail > 0) {
            first = Math.max(first, last - tail + 1);
        }
        Map<Long, LogEntry> inline = new java.util.HashMap<>();
        for (LogEntry e : state.getInlineLogList()) {
            inline.put(e.getSequence(), e);
        }
        Set<String> keys = new java.util.LinkedHashSet<>();
        for (long seq = first; seq <= last; seq++) {
            if (!inline.containsKey(seq)) {
                keys.add(logKey(jobId, seq));
            }
        }
        Map<String, byte[]> found = keys.isEmpty() ? Map.of() : logs.getAll(keys);
        List<LogEntry> lines = new ArrayList<>();
        for (long seq = first; seq <= last; seq++) {
            LogEntry e = inline.get(seq);
            if (e == null) {
                byte[] bytes = found.get(logKey(jobId, seq));
                e = bytes == null ? null : Protos.parse(LogEntry.parser(), bytes);
            }
            if (e != null) {
                lines.add(e);
            }
        }
        return lines;
    }

    // ---- coordinator side ------------------------------------------------------------------

    /** Stores a new job; it is admitted at once (tasks of its first stage opened) or queued behind the owner's limit. */
    public JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                           List<StagePlan> stages) {
        return submit(ownerId, tier, type, displayName, metadata, stages, java.time.Duration.ZERO);
    }

    /** As above; a job still processing {@code maxDuration} after its admission fails (zero = no limit). */
    public JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                           List<StagePlan> stages, java.time.Duration maxDuration) {
        String jobId = UUID.randomUUID().toString();
        long now = clock.millis();
        int total = stages.stream().mapToInt(StagePlan::getChunks).sum();
        // Group commit: concurrent submits of one owner share one transaction and one lock of the owner's record.
        return withOwner(ownerId, ujb -> {
            JobState.Builder js = JobState.newBuilder()
                    .setJob(Job.newBuilder().setJobId(jobId).setOwnerId(ownerId).setType(type)
                            .setDisplayName(displayName).setStatus(JobStatus.JOB_STATUS_QUEUED)
                            .setCreatedAt(Protos.timestamp(now)).putAllMetadata(metadata).setTasksTotal(total)
                            .setCurrentStep("queued"))
                    .addAllStages(stages).setTier(tier).setCreatedMs(now).setEventSequence(1)
                    .setMaxDurationMs(maxDuration.toMillis());
            log(js, "INFO", "Job submitted (type " + type + ", " + total + " tasks)");
            if (ujb.getActiveCount() < config.concurrentJobs(tier)) {
                admit(js, ujb, now);
            } else {
                ujb.addQueued(jobId);
                log(js, "INFO", "Queued: " + ujb.getActiveCount() + " jobs already processing (tier " + tier + ")");
            }
            JobState built = js.build();
            jobs.put(jobId, built.toByteArray());
            return built;
        });
    }

    /** Cancels a queued or processing job: its open tasks are removed, so no running task can commit. */
    public JobState cancel(String jobId) {
        String owner = state(jobId).map(s -> s.getJob().getOwnerId())
                .orElseThrow(() -> FabricException.notFound("JOB_NOT_FOUND", "Job not found"));
        return inTx(() -> {
            UserJobs.Builder ujb = userJobs(owner).toBuilder();
            JobState.Builder js = lockedJob(jobId).toBuilder();
            JobStatus status = js.getJob().getStatus();
            if (isTerminal(status)) {
                throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "JOB_FINISHED",
                        "Job already " + status.name().substring("JOB_STATUS_".length()).toLowerCase());
            }
            long now = clock.millis();
            if (status == JobStatus.JOB_STATUS_PROCESSING) {
                removeOpenTasks(js);
            }
            js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_CANCELLED).setCompletedAt(Protos.timestamp(now))
                    .setCurrentStep("cancelled");
            js.setEventSequence(js.getEventSequence() + 1);
            log(js, "INFO", "Job cancelled");
            finish(js, ujb, now);
            JobState built = js.build();
            jobs.put(jobId, built.toByteArray());
            userJobs.put(owner, ujb.build().toByteArray());
            return built;
        });
    }

    /**
     * Fails a job still processing past its deadline; its open tasks are removed, so running tasks lose their
     * leases (and stop) and nothing they produce afterwards can commit. False when it ended meanwhile.
     */
    public boolean expire(String jobId) {
        JobState peek = state(jobId).orElse(null);
        if (peek == null || isTerminal(peek.getJob().getStatus()) || peek.getDeadlineMs() == 0
                || peek.getDeadlineMs() > clock.millis()) {
            return false;
        }
        String owner = peek.getJob().getOwnerId();
        return inTx(() -> {
            UserJobs.Builder ujb = userJobs(owner).toBuilder();
            JobState.Builder js = lockedJob(jobId).toBuilder();
            if (isTerminal(js.getJob().getStatus())) {
                return false;
            }
            failLocked(js, ujb, owner, "Job exceeded its maximum duration of " + humanDuration(js.getMaxDurationMs()));
            return true;
        });
    }

    private static String humanDuration(long millis) {
        java.time.Duration d = java.time.Duration.ofMillis(millis);
        if (d.toSeconds() % 60 == 0 && d.toMinutes() > 0) {
            return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes");
        }
        return (millis / 1000.0) + " s";
    }

    /** Returns a leased task whose lease ran out to the pending pool (or fails its job when out of attempts). */
    public boolean reclaimExpired(String taskId) {
        String jobId = jobIdOf(taskId);
        TaskState peek = task(taskId).orElse(null);
        if (peek == null || peek.getStatus() != TaskStatus.TASK_STATUS_LEASED
                || peek.getLeaseExpiresMs() >= clock.millis()) {
            return false;
        }
        if (peek.getAttempts() >= config.maxAttempts()) {
            failJob(jobId, taskId, peek.getFence(), null,
                    "Task " + taskId + " lost its lease " + peek.getAttempts() + " times");
            return true;
        }
        return inTx(() -> {
            JobState.Builder js = lockedJob(jobId).toBuilder();
            TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_LEASED
                    || task.getLeaseExpiresMs() >= clock.millis()) {
                return false;
            }
            tasks.put(taskId, task.toBuilder().setStatus(TaskStatus.TASK_STATUS_PENDING).setLeaseNode("")
                    .setLeaseExpiresMs(0).build().toByteArray());
            log(js, "WARN", "Lease of task " + taskId + " on node " + task.getLeaseNode() + " expired; task re-queued");
            jobs.put(jobId, js.build().toByteArray());
            return true;
        });
    }

    // ---- gpu-node side ----------------------------------------------------------------------

    /** Takes a pending task for {@code nodeId}; empty when someone else got it first or it is gone. */
    public Optional<TaskState> lease(String taskId, String nodeId) {
        return inTx(() -> {
            TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_PENDING) {
                return Optional.<TaskState>empty();
            }
            TaskState leased = task.toBuilder().setStatus(TaskStatus.TASK_STATUS_LEASED).setLeaseNode(nodeId)
                    .setLeaseExpiresMs(clock.millis() + config.leaseTime().toMillis())
                    .setFence(task.getFence() + 1).setAttempts(task.getAttempts() + 1).build();
            tasks.put(taskId, leased.toByteArray());
            return Optional.of(leased);
        });
    }

    /**
     * Takes several pending tasks for {@code nodeId} in one transaction; returns those it got (the others were
     * taken by someone else or are gone). Keys are locked in sorted order, like every multi-task lock here.
     */
    public List<TaskState> leaseAll(java.util.Collection<String> taskIds, String nodeId) {
        if (taskIds.size() == 1) {
            return lease(taskIds.iterator().next(), nodeId).map(List::of).orElse(List.of());
        }
        java.util.SortedSet<String> keys = new java.util.TreeSet<>(taskIds);
        return inTx(() -> {
            Map<String, byte[]> found = tasks.getAll(keys);
            long expires = clock.millis() + config.leaseTime().toMillis();
            List<TaskState> leased = new ArrayList<>();
            Map<String, byte[]> updates = new java.util.TreeMap<>();
            for (String key : keys) {
                TaskState task = Protos.parse(TaskState.parser(), found.get(key));
                if (task == null || task.getStatus() != TaskStatus.TASK_STATUS_PENDING) {
                    continue;
                }
                TaskState next = task.toBuilder().setStatus(TaskStatus.TASK_STATUS_LEASED).setLeaseNode(nodeId)
                        .setLeaseExpiresMs(expires).setFence(task.getFence() + 1).setAttempts(task.getAttempts() + 1)
                        .build();
                updates.put(key, next.toByteArray());
                leased.add(next);
            }
            tasks.putAll(updates);
            return leased;
        });
    }

    /** Extends a lease; false when the caller no longer holds it (the task must stop). */
    public boolean renew(String taskId, String nodeId, long fence) {
        return inTx(() -> {
            TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (!holds(task, nodeId, fence)) {
                return false;
            }
            tasks.put(taskId, task.toBuilder().setLeaseExpiresMs(clock.millis() + config.leaseTime().toMillis())
                    .build().toByteArray());
            return true;
        });
    }

    /** Records in-task progress (0..100 of this task) and the step text on the job. */
    public void progress(String taskId, String nodeId, long fence, int percent, String step) {
        String jobId = jobIdOf(taskId);
        inTx(() -> {
            JobState.Builder js = lockedJob(jobId).toBuilder();
            TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (!holds(task, nodeId, fence) || isTerminal(js.getJob().getStatus())) {
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
                jobs.put(jobId, js.build().toByteArray());
            }
            return null;
        });
    }

    /** Appends a line to the job's log (the oldest line is dropped beyond the configured maximum). */
    public void appendLog(String jobId, String level, String message) {
        inTx(() -> {
            JobState.Builder js = lockedJob(jobId).toBuilder();
            log(js, level, message);
            jobs.put(jobId, js.build().toByteArray());
            return null;
        });
    }

    /**
     * Commits a task's output under its lease's fencing token. Throws {@link LeaseLostException} (and
     * writes nothing) when the caller no longer holds the lease: late writes are rejected.
     */
    public JobState commit(String taskId, String nodeId, long fence, TaskCommit result) {
        return commit(taskId, nodeId, fence, result, null);
    }

    /**
     * {@link #commit(String, String, long, TaskCommit)} for the holder of {@code leased}, the task as its lease
     * returned it. The only task of its stage always ends the stage (and the job, at the last stage), so it goes
     * straight to the owner's batch, without first reading the job to find out: one read and parse fewer per
     * job-ending commit. The same checks run under the locks either way.
     */
    public JobState commit(TaskState leased, String nodeId, TaskCommit result) {
        return commit(leased.getTaskId(), nodeId, leased.getFence(), result, leased);
    }

    private JobState commit(String taskId, String nodeId, long fence, TaskCommit result, TaskState leased) {
        String jobId = jobIdOf(taskId);
        if (leased != null && leased.getChunks() == 1 && !leased.getOwnerId().isEmpty()) {
            return withOwner(leased.getOwnerId(), ujb -> commitOnce(taskId, jobId, nodeId, fence, result, ujb));
        }
        JobState peek = state(jobId).orElseThrow(() -> new LeaseLostException("Job " + jobId + " is gone"));
        String owner = peek.getJob().getOwnerId();
        if (!lastOpenTask(peek)) {
            try {
                return inTx(() -> commitOnce(taskId, jobId, nodeId, fence, result, null));
            } catch (NeedsOwnerLock e) {
                // Another task of the job committed meanwhile: this one now ends the stage or the job.
            }
        }
        // Ends the job: batched with the owner's other submits and job-ending commits (one owner lock per batch).
        return withOwner(owner, ujb -> commitOnce(taskId, jobId, nodeId, fence, result, ujb));
    }

    /** Checks everything before writing anything, so a refused commit leaves a shared batch untouched. */
    private JobState commitOnce(String taskId, String jobId, String nodeId, long fence, TaskCommit result,
                                UserJobs.Builder ujb) {
        JobState.Builder js = lockedJob(jobId).toBuilder();
        if (isTerminal(js.getJob().getStatus())) {
            throw new LeaseLostException("Job " + jobId + " already ended");
        }
        if (ujb == null && lastOpenTask(js.build())) {
            throw new NeedsOwnerLock();
        }
        TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
        if (!holds(task, nodeId, fence)) {
            throw new LeaseLostException("Lease of " + taskId + " (token " + fence + ") is no longer held");
        }
        if (outputs.containsKey(taskId)) {
            throw new LeaseLostException("Output of " + taskId + " already committed");
        }
        long now = clock.millis();
        outputs.put(taskId, TaskOutput.newBuilder().setTaskId(taskId).setJobId(jobId).setFence(fence)
                .setNodeId(nodeId).setData(com.google.protobuf.ByteString.copyFrom(result.data()))
                .addAllResultRefs(result.resultRefs()).setCommittedMs(now).build().toByteArray());
        tasks.remove(taskId);
        Job.Builder job = js.getJobBuilder();
        job.setTasksDone(job.getTasksDone() + 1).addAllResultRefs(result.resultRefs())
                .setCreditsUsed(job.getCreditsUsed() + result.credits());
        for (String line : result.logLines()) {
            log(js, "INFO", line);
        }
        js.setOpenTasks(js.getOpenTasks() - 1);
        job.setProgress(Math.max(job.getProgress(),
                (int) Math.min(99, job.getTasksDone() * 100L / Math.max(1, job.getTasksTotal()))));
        if (js.getOpenTasks() == 0) {
            if (js.getCurrentStage() + 1 < js.getStagesCount()) {
                js.setCurrentStage(js.getCurrentStage() + 1);
                openStage(js, now);
            } else {
                job.setStatus(JobStatus.JOB_STATUS_COMPLETED).setProgress(100).setCompletedAt(Protos.timestamp(now))
                        .setCurrentStep("completed");
                log(js, "INFO", "Job completed");
                finish(js, ujb, now);
            }
        }
        js.setEventSequence(js.getEventSequence() + 1);
        JobState built = js.build();
        jobs.put(jobId, built.toByteArray());
        return built;
    }

    /**
     * Reports a failed run. The task goes back to the pending pool while attempts remain; otherwise the
     * job fails. A caller that lost its lease changes nothing.
     */
    public void fail(String taskId, String nodeId, long fence, String error) {
        TaskState task = task(taskId).orElse(null);
        if (!holds(task, nodeId, fence)) {
            return;
        }
        String jobId = jobIdOf(taskId);
        if (task.getAttempts() >= config.maxAttempts()) {
            failJob(jobId, taskId, fence, nodeId, "Task " + taskId + " failed: " + error);
            return;
        }
        inTx(() -> {
            JobState.Builder js = lockedJob(jobId).toBuilder();
            TaskState current = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (!holds(current, nodeId, fence)) {
                return null;
            }
            tasks.put(taskId, current.toBuilder().setStatus(TaskStatus.TASK_STATUS_PENDING).setLeaseNode("")
                    .setLeaseExpiresMs(0).build().toByteArray());
            log(js, "WARN", "Task " + taskId + " failed on attempt " + current.getAttempts() + ": " + error);
            jobs.put(jobId, js.build().toByteArray());
            return null;
        });
    }

    private void failJob(String jobId, String taskId, long fence, String nodeId, String error) {
        JobState peek = state(jobId).orElse(null);
        if (peek == null) {
            return;
        }
        String owner = peek.getJob().getOwnerId();
        inTx(() -> {
            UserJobs.Builder ujb = userJobs(owner).toBuilder();
            JobState.Builder js = lockedJob(jobId).toBuilder();
            TaskState task = Protos.parse(TaskState.parser(), tasks.get(taskId));
            if (isTerminal(js.getJob().getStatus()) || task == null || task.getFence() != fence
                    || (nodeId != null && !nodeId.equals(task.getLeaseNode()))) {
                return null;
            }
            failLocked(js, ujb, owner, error);
            return null;
        });
    }

    // ---- internals --------------------------------------------------------------------------

    /** Ends a processing job as failed, under the locks of its owner's record and the job. */
    private void failLocked(JobState.Builder js, UserJobs.Builder ujb, String owner, String error) {
        long now = clock.millis();
        removeOpenTasks(js);
        js.getJobBuilder().setStatus(JobStatus.JOB_STATUS_FAILED).setErrorMessage(error)
                .setCompletedAt(Protos.timestamp(now)).setCurrentStep("failed");
        js.setEventSequence(js.getEventSequence() + 1);
        log(js, "ERROR", error);
        finish(js, ujb, now);
        jobs.put(js.getJob().getJobId(), js.build().toByteArray());
        userJobs.put(owner, ujb.build().toByteArray());
    }

    private static boolean holds(TaskState task, String nodeId, long fence) {
        return task != null && task.getStatus() == TaskStatus.TASK_STATUS_LEASED && task.getFence() == fence
                && task.getLeaseNode().equals(nodeId);
    }

    private static boolean lastOpenTask(JobState js) {
        return js.getOpenTasks() <= 1 && js.getCurrentStage() + 1 >= js.getStagesCount();
    }

    private UserJobs userJobs(String ownerId) {
        UserJobs uj = Protos.parse(UserJobs.parser(), userJobs.get(ownerId));
        return uj == null ? UserJobs.getDefaultInstance() : uj;
    }

    private JobState lockedJob(String jobId) {
        JobState js = Protos.parse(JobState.parser(), jobs.get(jobId));
        if (js == null) {
            throw FabricException.notFound("JOB_NOT_FOUND", "Job not found");
        }
        return js;
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

    private void openStage(JobState.Builder js, long now) {
        StagePlan stage = js.getStages(js.getCurrentStage());
        Job job = js.getJob();
        for (int chunk = 0; chunk < stage.getChunks(); chunk++) {
            String id = taskId(job.getJobId(), js.getCurrentStage(), chunk);
            tasks.put(id, TaskState.newBuilder().setTaskId(id).setJobId(job.getJobId()).setOwnerId(job.getOwnerId())
                    .setJobType(job.getType()).setTaskType(stage.getTaskType()).setStage(js.getCurrentStage())
                    .setChunk(chunk).setChunks(stage.getChunks()).setRequirements(stage.getRequirements())
                    .putAllParams(job.getMetadataMap()).putAllParams(stage.getParamsMap()).setStatus(TaskStatus.TASK_STATUS_PENDING).setCreatedMs(now)
                    .setJobDeadlineMs(js.getDeadlineMs()).build().toByteArray());
        }
        js.setOpenTasks(stage.getChunks());
        js.getJobBuilder().setCurrentStep(stage.getName());
    }

    private void removeOpenTasks(JobState.Builder js) {
        if (js.getStagesCount() == 0) {
            return;
        }
        StagePlan stage = js.getStages(js.getCurrentStage());
        Set<String> ids = new HashSet<>();
        for (int chunk = 0; chunk < stage.getChunks(); chunk++) {
            ids.add(taskId(js.getJob().getJobId(), js.getCurrentStage(), chunk));
        }
        tasks.removeAll(new java.util.TreeSet<>(ids));
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
            JobState waiting = Protos.parse(JobState.parser(), jobs.get(next));
            if (waiting == null || waiting.getJob().getStatus() != JobStatus.JOB_STATUS_QUEUED) {
                continue;
            }
            JobState.Builder nb = waiting.toBuilder();
            admit(nb, ujb, now);
            nb.setEventSequence(nb.getEventSequence() + 1);
            log(nb, "INFO", "Job started");
            jobs.put(next, nb.build().toByteArray());
        }
        ujb.addAllQueued(queued);
    }

    /** Appends a log line: into the job record while it is one of the first lines, else into the log cache. */
    private void log(JobState.Builder js, String level, String message) {
        long seq = js.getLogSequence() + 1;
        js.setLogSequence(seq);
        String jobId = js.getJob().getJobId();
        LogEntry entry = LogEntry.newBuilder().setSequence(seq).setTimeMs(clock.millis())
                .setLevel(level).setMessage(message).build();
        if (seq <= INLINE_LOG_LINES) {
            js.addInlineLog(entry);
        } else {
            logs.put(logKey(jobId, seq), entry.toByteArray());
        }
        long drop = seq - config.maxLogLines();
        if (drop >= 1) {
            int inlineIndex = -1;
            for (int i = 0; i < js.getInlineLogCount(); i++) {
                if (js.getInlineLog(i).getSequence() == drop) {
                    inlineIndex = i;
                    break;
                }
            }
            if (inlineIndex >= 0) {
                js.removeInlineLog(inlineIndex);
            } else {
                logs.remove(logKey(jobId, drop));
            }
        }
    }

    private <T> T inTx(Supplier<T> body) {
        for (int attempt = 1; ; attempt++) {
            TRANSACTIONS.increment();
            try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ, 30_000, 0)) {
                T result = body.get();
                tx.commit();
                return result;
            } catch (RuntimeException e) {
                if (attempt >= 5 || !Retries.transient_(e)) {
                    throw e;
                }
            }
        }
    }

    /** Work done under the lock of one owner's admission record; it may change the record through the builder. */
    @FunctionalInterface
    private interface OwnerOp<T> {
        T apply(UserJobs.Builder owner);
    }

    /** One caller's op waiting in an owner's batch. */
    private static final class Pending<T> {
        final OwnerOp<T> op;
        final Thread thread = Thread.currentThread();
        T result;
        RuntimeException error;
        /** Set (after result/error) once the op's batch ended; read by the parked caller. */
        volatile boolean done;
        /** Set when the previous leader hands this caller the next batch. */
        volatile boolean lead;

        Pending(OwnerOp<T> op) {
            this.op = op;
        }

        void run(UserJobs.Builder owner) {
            result = null;
            error = null;
            try {
                result = op.apply(owner);
            } catch (FabricException | LeaseLostException e) {
                // A refusal of this op alone (thrown before it wrote anything): the rest of the batch goes on.
                error = e;
            }
        }
    }

    /** Ops queued for one owner; while {@code running}, whoever leads runs everything queued in one transaction. */
    private static final class OwnerBatch {
        final java.util.ArrayDeque<Pending<?>> queue = new java.util.ArrayDeque<>();
        boolean running;
    }

    /**
     * Group commit on the owner's admission record. Every submit and every job-ending commit must lock that
     * record, so under load one owner's jobs queue on a single key lock; here the callers that arrive while a
     * transaction runs are carried by the next one together: one lock, one WAL commit for the whole batch.
     * A lone caller still runs at once (a batch of one). When a batch ends, all its callers are woken at once
     * and the lead passes to the oldest waiting caller, who runs everything queued meanwhile (no lock convoy:
     * a finished caller never waits behind the next batch). Entries live per owner for this JVM's lifetime.
     */
    private <T> T withOwner(String ownerId, OwnerOp<T> op) {
        OwnerBatch batch = ownerBatches.computeIfAbsent(ownerId, k -> new OwnerBatch());
        Pending<T> mine = new Pending<>(op);
        boolean lead;
        synchronized (batch) {
            batch.queue.add(mine);
            lead = !batch.running;
            batch.running = true;
        }
        if (!lead) {
            boolean interrupted = false;
            while (!mine.done && !mine.lead) {
                java.util.concurrent.locks.LockSupport.park(batch);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (!mine.done) {
            List<Pending<?>> drained;
            synchronized (batch) {
                drained = new ArrayList<>(batch.queue);
                batch.queue.clear();
            }
            try {
                runBatch(ownerId, drained);
            } finally {
                Pending<?> next;
                synchronized (batch) {
                    next = batch.queue.peekFirst();
                    batch.running = next != null;
                    if (next != null) {
                        next.lead = true;
                    }
                }
                if (next != null) {
                    java.util.concurrent.locks.LockSupport.unpark(next.thread);
                }
            }
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.result;
    }

    private void runBatch(String ownerId, List<Pending<?>> drained) {
        try {
            inTx(() -> {
                UserJobs.Builder ujb = userJobs(ownerId).toBuilder();
                for (Pending<?> p : drained) {
                    p.run(ujb);
                }
                userJobs.put(ownerId, ujb.build().toByteArray());
                return null;
            });
        } catch (RuntimeException | Error e) {
            // The transaction rolled back as a whole: every op of the batch failed with it.
            RuntimeException failure = e instanceof RuntimeException ? (RuntimeException) e
                    : new IllegalStateException("Ledger batch failed: " + e, e);
            for (Pending<?> p : drained) {
                p.result = null;
                p.error = failure;
            }
        } finally {
            Thread self = Thread.currentThread();
            for (Pending<?> p : drained) {
                p.done = true;
                if (p.thread != self) {
                    java.util.concurrent.locks.LockSupport.unpark(p.thread);
                }
            }
        }
    }

    /** Internal signal: the commit finishes the job and must lock the owner's admission record first. */
    private static final class NeedsOwnerLock extends RuntimeException {
        NeedsOwnerLock() {
            super(null, null, false, false);
        }
    }
}
