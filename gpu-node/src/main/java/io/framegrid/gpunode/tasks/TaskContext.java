package io.framegrid.gpunode.tasks;

import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.LeaseLostException;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.cluster.v1.TaskState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/** A running task's view of the fabric: its parameters, progress and log reporting, and cancellation. */
public final class TaskContext {
    private static final long PROGRESS_INTERVAL_MS = 250;

    private final TaskState task;
    private final JobLedger ledger;
    private final String nodeId;
    private volatile boolean cancelled;
    private long lastProgressMs;

    TaskContext(TaskState task, JobLedger ledger, String nodeId) {
        this.task = task;
        this.ledger = ledger;
        this.nodeId = nodeId;
    }

    public TaskState task() {
        return task;
    }

    public String jobId() {
        return task.getJobId();
    }

    public int chunk() {
        return task.getChunk();
    }

    public int chunks() {
        return task.getChunks();
    }

    public Map<String, String> params() {
        return task.getParamsMap();
    }

    public String nodeId() {
        return nodeId;
    }

    /** Output committed by task {@code chunk} of an earlier stage of this job. */
    public Optional<TaskOutput> output(int stage, int chunk) {
        return ledger.output(JobLedger.taskId(task.getJobId(), stage, chunk));
    }

    /** Reports progress within this task (0..100) and the step text; rate-limited, cheap to call often. */
    public void progress(int percent, String step) {
        long now = System.currentTimeMillis();
        if (now - lastProgressMs < PROGRESS_INTERVAL_MS && percent < 100) {
            return;
        }
        lastProgressMs = now;
        try {
            ledger.progress(task.getTaskId(), nodeId, task.getFence(), percent, step);
        } catch (LeaseLostException e) {
            cancel();
            throw new CancellationException(e.getMessage());
        }
    }

    /** Appends a line to the job's log. */
    public void log(String message) {
        ledger.appendLog(task.getJobId(), "INFO", message);
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws {@link CancellationException} once the job was cancelled or the lease lost. */
    public void checkCancelled() {
        if (cancelled || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("Task " + task.getTaskId() + " cancelled");
        }
    }

    void cancel() {
        cancelled = true;
    }
}
