package io.framegrid.gpunode.tasks;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.proto.cluster.v1.TaskOutput;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Task types this node can run, each with its executor. Products register theirs next to the built-ins. */
public final class TaskExecutors {
    private final Map<String, TaskExecutor> executors = new ConcurrentHashMap<>();

    /** {@code noop}, and the {@code test.write-outputs} / {@code test.merge} pair used by the fabric tests. */
    public static TaskExecutors withBuiltIns() {
        TaskExecutors registry = new TaskExecutors();
        registry.register(JobTypes.NOOP, ctx -> TaskCommit.empty());
        registry.register(JobTypes.TEST_WRITE_OUTPUTS, TaskExecutors::writeOutput);
        registry.register(JobTypes.TEST_MERGE, TaskExecutors::merge);
        return registry;
    }

    public TaskExecutors register(String taskType, TaskExecutor executor) {
        executors.put(taskType, executor);
        return this;
    }

    public Optional<TaskExecutor> get(String taskType) {
        return Optional.ofNullable(executors.get(taskType));
    }

    public Set<String> types() {
        return Set.copyOf(executors.keySet());
    }

    /** The deterministic output of chunk {@code chunk} of a test job. */
    public static byte[] expectedOutput(String jobId, int chunk) {
        return ("output of " + jobId + " chunk " + chunk).getBytes(StandardCharsets.UTF_8);
    }

    /** Works {@code work_ms} in 10 ms steps (checking cancellation), then writes its deterministic output. */
    private static TaskCommit writeOutput(TaskContext ctx) throws InterruptedException {
        long workMs = Long.parseLong(ctx.params().getOrDefault("work_ms", "0"));
        long start = System.nanoTime();
        while (true) {
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            if (elapsedMs >= workMs) {
                break;
            }
            ctx.checkCancelled();
            Thread.sleep(Math.min(10, workMs - elapsedMs));
            ctx.progress((int) (elapsedMs * 100 / workMs), "writing chunk " + ctx.chunk());
        }
        ctx.checkCancelled();
        return new TaskCommit(expectedOutput(ctx.jobId(), ctx.chunk()), List.of(ctx.task().getTaskId()), 1, List.of());
    }

    /** Checks that every chunk of the write stage left exactly its expected output. */
    private static TaskCommit merge(TaskContext ctx) {
        int chunks = Integer.parseInt(ctx.params().getOrDefault("chunks", "4"));
        for (int chunk = 0; chunk < chunks; chunk++) {
            ctx.checkCancelled();
            TaskOutput out = ctx.output(0, chunk).orElseThrow(() -> new IllegalStateException("missing output"));
            if (!java.util.Arrays.equals(out.getData().toByteArray(), expectedOutput(ctx.jobId(), out.getFence() > 0
                    ? chunkOf(out.getTaskId()) : -1))) {
                throw new IllegalStateException("Output of " + out.getTaskId() + " is wrong");
            }
        }
        return new TaskCommit(("merged " + chunks).getBytes(StandardCharsets.UTF_8), List.of("merged:" + ctx.jobId()),
                0, List.of("Merged " + chunks + " outputs"));
    }

    private static int chunkOf(String taskId) {
        return Integer.parseInt(taskId.substring(taskId.lastIndexOf('#') + 1));
    }
}
