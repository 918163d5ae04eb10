package io.framegrid.gpunode.tasks;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Task types this node can run, each with its executor. Products register theirs next to the built-in. */
public final class TaskExecutors {
    private final Map<String, TaskExecutor> executors = new ConcurrentHashMap<>();

    /** The built-in {@code noop} executor, which commits nothing (the jobs benchmark runs it). */
    public static TaskExecutors withBuiltIns() {
        return new TaskExecutors().register(JobTypes.NOOP, ctx -> TaskCommit.empty());
    }

    /**
     * Runs tasks of {@code taskType} with {@code executor}. A type has one executor: a second registration (two
     * products claiming one name) is refused, so the node fails at start-up instead of running the wrong code.
     */
    public TaskExecutors register(String taskType, TaskExecutor executor) {
        if (executors.putIfAbsent(taskType, executor) != null) {
            throw new IllegalStateException("Task type '" + taskType + "' is registered twice");
        }
        return this;
    }

    public Optional<TaskExecutor> get(String taskType) {
        return Optional.ofNullable(executors.get(taskType));
    }

    public Set<String> types() {
        return Set.copyOf(executors.keySet());
    }
}
