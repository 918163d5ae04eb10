package io.framegrid.coordinator.testing;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.testing.TestJobTypes;

/**
 * The test product's coordinator plug-in, registered only on test class paths: plans the
 * {@link TestJobTypes#WRITE_OUTPUTS} / {@link TestJobTypes#MERGE} pair the fabric tests (here, on gpu-nodes,
 * across processes) run.
 */
public final class TestJobs implements CoordinatorProduct {
    public static final String WRITE_OUTPUTS = TestJobTypes.WRITE_OUTPUTS;
    public static final String MERGE = TestJobTypes.MERGE;

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void register(JobTypes types, Context context) {
        TestJobTypes.register(types);
    }

    /** The deterministic output of chunk {@code chunk} of a test job. */
    public static byte[] expectedOutput(String jobId, int chunk) {
        return TestJobTypes.expectedOutput(jobId, chunk);
    }
}
