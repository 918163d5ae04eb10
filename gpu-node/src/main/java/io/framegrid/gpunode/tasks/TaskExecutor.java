package io.framegrid.gpunode.tasks;

import io.framegrid.fabric.jobs.TaskCommit;

/**
 * Runs one leased task. Implementations check {@link TaskContext#checkCancelled()} between units of
 * work (and may be interrupted); whatever they return is committed only if the lease is still held.
 */
@FunctionalInterface
public interface TaskExecutor {
    TaskCommit execute(TaskContext context) throws Exception;

    /**
     * Called on the task's thread once the commit of what {@link #execute} returned succeeded, never after a lost
     * lease or a failure: the place to release what the task had to keep until its result was safe (an input only a
     * retry of this task would read). Best effort: a failure here is logged and the commit stands, so whatever it
     * releases needs a sweeper behind it as well.
     */
    default void afterCommit(TaskContext context) {
    }
}
