package io.framegrid.fabric.jobs;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.UserJobs;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.ignite.Ignite;

/**
 * The durable state machine of jobs and their leased tasks, shared by coordinators (submit, cancel,
 * lease reclaim) and gpu-nodes (lease, renew, commit). Every change is one pessimistic transaction
 * ({@link LedgerTransactions}); changes that lock an owner's admission record may share one
 * ({@link OwnerBatcher}).
 *
 * <p>Lock order, to stay deadlock-free: the owner's admission record, then jobs, then tasks and outputs (a
 * {@link SubmitHook}'s keys, when a submit has one, between the owner's record and the job).
 * A task's output is committed only by the holder of the task's current lease, presenting the lease's
 * fencing token; the commit removes the task in the same transaction, so an output is committed exactly once
 * ({@link FencedCommits}). How long a change waits for its locks, and why a cut-off node's locks cannot stall
 * the others for long, is {@link LedgerTransactions}. Admission against tier limits is {@link Admission}, leases
 * {@link Leases}, the log {@link JobLog}, keys {@link LedgerKeys}. Refusals are {@link io.framegrid.fabric.FabricException} (the caller's
 * error: no such job, job already ended) and {@link LeaseLostException} (the writer's lease is gone).
 */
public final class JobLedger {
    private final FramegridConfig.Jobs config;
    private final LedgerMetrics metrics;
    private final LedgerRecords records;
    private final JobLog log;
    private final LedgerTransactions tx;
    private final Admission admission;
    private final Leases leases;
    private final FencedCommits commits;

    /** A ledger whose counts are kept in a {@link LedgerMetrics} of its own (see {@link #metrics()}). */
    public JobLedger(Ignite ignite, FramegridConfig.Jobs config, Clock clock) {
        this(ignite, config, clock, new LedgerMetrics());
    }

    /** A ledger counting into {@code metrics}, which several ledgers of one JVM may share. */
    public JobLedger(Ignite ignite, FramegridConfig.Jobs config, Clock clock, LedgerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.records = new LedgerRecords(ignite);
        this.log = new JobLog(ignite.cache(CacheNames.JOB_LOGS), config.maxLogLines(), clock);
        this.tx = new LedgerTransactions(ignite, metrics, config);
        OwnerBatcher<UserJobs.Builder> owners = new OwnerBatcher<>((ownerId, ops) -> tx.run(() -> {
            UserJobs.Builder ujb = records.owner(ownerId).toBuilder();
            ops.accept(ujb);
            records.putOwner(ownerId, ujb.build());
        }));
        this.admission = new Admission(records, log, tx, owners, config, clock);
        this.leases = new Leases(records, log, tx, admission, config, clock);
        this.commits = new FencedCommits(records, log, tx, owners, admission, config, clock);
    }

    public FramegridConfig.Jobs config() {
        return config;
    }

    /** The counts this ledger adds to (transactions, retries). */
    public LedgerMetrics metrics() {
        return metrics;
    }

    /** See {@link LedgerKeys#taskId}. */
    public static String taskId(String jobId, int stage, int chunk) {
        return LedgerKeys.taskId(jobId, stage, chunk);
    }

    /** See {@link LedgerKeys#jobIdOf}. */
    public static String jobIdOf(String taskId) {
        return LedgerKeys.jobIdOf(taskId);
    }

    /** See {@link LedgerKeys#logKey}. */
    public static String logKey(String jobId, long sequence) {
        return LedgerKeys.logKey(jobId, sequence);
    }

    /** Completed, failed and cancelled are final: nothing changes a job afterwards. */
    public static boolean isTerminal(JobStatus status) {
        return Admission.isTerminal(status);
    }

    // ---- reads (no locks, no transaction) -------------------------------------------------------

    public Optional<JobState> state(String jobId) {
        return Optional.ofNullable(records.job(jobId));
    }

    public Optional<TaskState> task(String taskId) {
        return Optional.ofNullable(records.task(taskId));
    }

    public Optional<TaskOutput> output(String taskId) {
        return Optional.ofNullable(records.output(taskId));
    }

    /**
     * The output of a task whose job a plain read has shown as ended, when a plain {@link #output} found none. A plain
     * read can see the job's new state before the output written by the same commit (Ignite applies a transaction's
     * entries one at a time and plain reads take no locks); this read runs in a pessimistic transaction, so it waits
     * on the output's key, which the committing transaction holds until all its entries are in.
     */
    public Optional<TaskOutput> committedOutput(String taskId) {
        return Optional.ofNullable(tx.inTx(() -> records.output(taskId)));
    }

    /** Stored log lines of a job, oldest first; at most the last {@code tail} when tail &gt; 0. */
    public List<LogEntry> logLines(String jobId, int tail) {
        return state(jobId).map(s -> log.lines(s, tail)).orElse(List.of());
    }

    // ---- coordinator side ------------------------------------------------------------------

    /** Stores a new job: admitted at once (tasks of its first stage opened) or queued behind the owner's limit. */
    public JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                           List<StagePlan> stages) {
        return submit(ownerId, tier, type, displayName, metadata, stages, Duration.ZERO);
    }

    /** As above; a job still processing {@code maxDuration} after its admission fails (zero = no limit). */
    public JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                           List<StagePlan> stages, Duration maxDuration) {
        return admission.submit(ownerId, tier, type, displayName, metadata, stages, maxDuration, SubmitHook.NONE);
    }

    /**
     * As above, with {@code hook} run in the same transaction that stores the job, before anything of the job is
     * written: what the hook writes commits with the job or not at all (a product's charge for it, say).
     */
    public JobState submit(String ownerId, String tier, String type, String displayName, Map<String, String> metadata,
                           List<StagePlan> stages, Duration maxDuration, SubmitHook hook) {
        return admission.submit(ownerId, tier, type, displayName, metadata, stages, maxDuration, hook);
    }

    /**
     * Work a product does inside a job's submit transaction. It runs under the lock of the owner's admission record
     * and before the job's keys are locked, so its keys sit between the two in the lock order (owner record, hook
     * keys, job, tasks): it must lock only keys that no ledger transaction locks, and every other transaction that
     * locks them must lock no ledger key after them. It may run more than once (a transient grid failure reruns the
     * whole transaction on fresh state) and in a batch with the owner's other submits (it sees their writes). A
     * refusal is a {@link io.framegrid.fabric.FabricException} thrown before the hook writes anything: this job
     * alone is refused and nothing of it is stored.
     */
    @FunctionalInterface
    public interface SubmitHook {
        SubmitHook NONE = (jobId, ownerId) -> { };

        /** Called with the new job's id and owner, inside the transaction, before the job is written. */
        void beforeStore(String jobId, String ownerId);
    }

    /** Cancels a job only while it is still queued; a processing one is refused ({@code JOB_NOT_QUEUED}). */
    public JobState cancelQueued(String jobId) {
        return admission.cancel(jobId, true);
    }

    /** Cancels a queued or processing job: its open tasks are removed, so no running task can commit. */
    public JobState cancel(String jobId) {
        return admission.cancel(jobId);
    }

    /**
     * Fails a job still processing past its deadline; its open tasks are removed, so running tasks lose their
     * leases (and stop) and nothing they produce afterwards can commit. False when it ended meanwhile.
     */
    public boolean expire(String jobId) {
        return leases.expire(jobId);
    }

    /** Returns a leased task whose lease ran out to the pending pool (or fails its job when out of attempts). */
    public boolean reclaimExpired(String taskId) {
        return leases.reclaimExpired(taskId);
    }

    // ---- gpu-node side ----------------------------------------------------------------------

    /** Takes a pending task for {@code nodeId}; empty when someone else got it first or it is gone. */
    public Optional<TaskState> lease(String taskId, String nodeId) {
        return leases.lease(taskId, nodeId);
    }

    /**
     * Takes several pending tasks for {@code nodeId} in one transaction; returns those it got (the others were
     * taken by someone else or are gone). Keys are locked in sorted order, like every multi-task lock here.
     */
    public List<TaskState> leaseAll(Collection<String> taskIds, String nodeId) {
        return leases.leaseAll(taskIds, nodeId);
    }

    /**
     * Extends a lease; false when the caller no longer holds it (the task must stop). One short attempt: a grid
     * failure (a lock it could not get in time) throws, and the next heartbeat tries again.
     */
    public boolean renew(String taskId, String nodeId, long fence) {
        return leases.renew(taskId, nodeId, fence);
    }

    /**
     * Records in-task progress (0..100 of this task) and the step text on the job; throws
     * {@link LeaseLostException} (and writes nothing) when the caller no longer holds the lease. One short
     * attempt: a report that cannot get the job's lock in time is dropped (the next one carries a newer value).
     */
    public void progress(String taskId, String nodeId, long fence, int percent, String step) {
        commits.progress(taskId, nodeId, fence, percent, step);
    }

    /** Appends a line to the job's log (the oldest line is dropped beyond the configured maximum). */
    public void appendLog(String jobId, String level, String message) {
        tx.run(() -> {
            JobState.Builder js = records.lockedJob(jobId).toBuilder();
            log.append(js, level, message);
            records.putJob(js.build());
        });
    }

    /**
     * Commits a task's output under its lease's fencing token. Throws {@link LeaseLostException} (and
     * writes nothing) when the caller no longer holds the lease: late writes are rejected.
     */
    public JobState commit(String taskId, String nodeId, long fence, TaskCommit result) {
        return commits.commit(taskId, nodeId, fence, result, null);
    }

    /**
     * {@link #commit(String, String, long, TaskCommit)} for the holder of {@code leased}, the task as its lease
     * returned it. The only task of its stage always ends the stage (and the job, at the last stage), so it goes
     * straight to the owner's batch, without first reading the job to find out: one read and parse fewer per
     * job-ending commit. The same checks run under the locks either way.
     */
    public JobState commit(TaskState leased, String nodeId, TaskCommit result) {
        return commits.commit(leased.getTaskId(), nodeId, leased.getFence(), result, leased);
    }

    /**
     * Reports a failed run. The task goes back to the pending pool while attempts remain; otherwise the
     * job fails. A caller that lost its lease changes nothing.
     */
    public void fail(String taskId, String nodeId, long fence, String error) {
        commits.fail(taskId, nodeId, fence, error, true);
    }

    /**
     * Reports a run that no other attempt could change (the input is what it is): the job fails now, whatever
     * attempts remain. A caller that lost its lease changes nothing.
     */
    public void failPermanently(String taskId, String nodeId, long fence, String error) {
        commits.fail(taskId, nodeId, fence, error, false);
    }
}
