package io.framegrid.gpunode.tasks;

import io.framegrid.fabric.jobs.TaskCommit;

/**
 * Runs one leased task. Implementations check {@link TaskContext#checkCancelled()} between units of
 * work (and may be interrupted); whatever they return is committed only if the lease is still held.
 */
@FunctionalInterface
public interface TaskExecutor {
    TaskCommit execute(TaskContext context) throws Exception;
}
