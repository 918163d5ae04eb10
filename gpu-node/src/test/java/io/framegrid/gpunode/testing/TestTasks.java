package io.framegrid.gpunode.testing;

import io.framegrid.fabric.testing.TestJobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.proto.cluster.v1.TaskOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The test product's gpu-node plug-in, registered only on test class paths: executors for the
 * {@link TestJobTypes#WRITE_OUTPUTS} / {@link TestJobTypes#MERGE} pair the fabric tests submit.
 */
public final class TestTasks implements NodeProduct {
    /** Starts the merge's log line naming the node that committed a write: {@code COMMITTED_BY + nodeId + ": " + taskId}. */
    public static final String COMMITTED_BY = "Output committed by node ";

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        addTo(executors);
    }

    /** The built-in executors plus the test pair, for workers a test builds without a {@code GpuNode}. */
    public static TaskExecutors executors() {
        return addTo(TaskExecutors.withBuiltIns());
    }

    private static TaskExecutors addTo(TaskExecutors executors) {
        return executors.register(TestJobTypes.WRITE_OUTPUTS, TestTasks::writeOutput)
                .register(TestJobTypes.MERGE, TestTasks::merge);
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
            // A stand-in for work: the worker's lease, progress and cancellation paths are what tests exercise.
            Thread.sleep(Math.min(10, workMs - elapsedMs));
            ctx.progress((int) (elapsedMs * 100 / workMs), "writing chunk " + ctx.chunk());
        }
        ctx.checkCancelled();
        return new TaskCommit(TestJobTypes.expectedOutput(ctx.jobId(), ctx.chunk()), List.of(ctx.task().getTaskId()), 1,
                List.of());
    }

    /**
     * Checks that every chunk of the write stage left exactly its expected output, and logs which node the ledger
     * recorded as committing each (tests that move work between nodes read it from the job's log).
     */
    private static TaskCommit merge(TaskContext ctx) {
        int chunks = Integer.parseInt(ctx.params().getOrDefault("chunks", "4"));
        List<String> lines = new ArrayList<>();
        for (int chunk = 0; chunk < chunks; chunk++) {
            ctx.checkCancelled();
            TaskOutput out = ctx.output(0, chunk).orElseThrow(() -> new IllegalStateException("missing output"));
            if (!Arrays.equals(out.getData().toByteArray(), TestJobTypes.expectedOutput(ctx.jobId(),
                    out.getFence() > 0 ? chunkOf(out.getTaskId()) : -1))) {
                throw new IllegalStateException("Output of " + out.getTaskId() + " is wrong");
            }
            lines.add(COMMITTED_BY + out.getNodeId() + ": " + out.getTaskId());
        }
        lines.add("Merged " + chunks + " outputs");
        return new TaskCommit(("merged " + chunks).getBytes(StandardCharsets.UTF_8), List.of("merged:" + ctx.jobId()),
                0, lines);
    }

    private static int chunkOf(String taskId) {
        return Integer.parseInt(taskId.substring(taskId.lastIndexOf('#') + 1));
    }
}
