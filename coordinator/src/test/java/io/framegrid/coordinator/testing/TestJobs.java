package io.framegrid.coordinator.testing;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The test product's coordinator plug-in, registered only on test class paths: {@link #WRITE_OUTPUTS} plans a
 * parallel stage of {@code chunks} tasks writing deterministic outputs, then a one-task {@link #MERGE} stage that
 * checks them. The fabric tests (here, on gpu-nodes, across processes) run it.
 */
public final class TestJobs implements CoordinatorProduct {
    public static final String WRITE_OUTPUTS = "test.write-outputs";
    public static final String MERGE = "test.merge";

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void register(JobTypes types, Context context) {
        types.register(WRITE_OUTPUTS, meta -> {
            int chunks = JobTypes.intParam(meta, "chunks", 4, 1, 10_000);
            return List.of(JobTypes.stage("write", WRITE_OUTPUTS, chunks, meta),
                    JobTypes.stage("merge", MERGE, 1, meta));
        });
    }

    /** The deterministic output of chunk {@code chunk} of a test job. */
    public static byte[] expectedOutput(String jobId, int chunk) {
        return ("output of " + jobId + " chunk " + chunk).getBytes(StandardCharsets.UTF_8);
    }
}
