package io.framegrid.fabric.testing;

import io.framegrid.fabric.jobs.JobTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The test product's job types, for tests of every role: {@link #WRITE_OUTPUTS} plans a parallel stage of
 * {@code chunks} tasks writing deterministic outputs, then a one-task {@link #MERGE} stage that checks them. The
 * coordinator's and the gpu-node's test plug-ins register them; production class paths never see them.
 */
public final class TestJobTypes {
    public static final String WRITE_OUTPUTS = "test.write-outputs";
    public static final String MERGE = "test.merge";

    private TestJobTypes() {
    }

    /** Adds the write/merge planner to {@code types}. */
    public static JobTypes register(JobTypes types) {
        return types.register(WRITE_OUTPUTS, meta -> {
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
