package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** {@link JobHeader} reads what a full parse of the record reads, for every shape the parser accepts. */
class JobHeaderTest {
    private static JobState full() {
        return JobState.newBuilder().setJob(Job.newBuilder().setJobId("job-1").setOwnerId("owner-1")
                        .setType("detection.detect").setStatus(JobStatus.JOB_STATUS_COMPLETED).setDisplayName("dog.jpg")
                        .putMetadata("media_id", "m-1").putMetadata("confidence_threshold", "0.5")
                        .addResultRefs("results:r-1"))
                .addStages(JobTypes.stage("Detecting objects", "detection.detect", 1,
                        java.util.Map.of("model_id", "yolox-nano")))
                .setCurrentStage(0).setTier("free").setCreatedMs(1_700_000_000_000L)
                .addInlineLog(LogEntry.newBuilder().setSequence(1).setLevel("INFO").setMessage("Detected 3 objects"))
                .build();
    }

    private static void assertSameAsParse(byte[] bytes) throws Exception {
        Job parsed = JobState.parseFrom(bytes).getJob();
        JobHeader header = JobHeader.read(bytes);
        assertThat(header.ownerId()).isEqualTo(parsed.getOwnerId());
        assertThat(header.type()).isEqualTo(parsed.getType());
        assertThat(header.statusValue()).isEqualTo(parsed.getStatusValue());
        assertThat(header.status()).isEqualTo(parsed.getStatus());
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aStoredJobReadsAsItsFullParse() throws Exception {
        byte[] bytes = full().toByteArray();
        assertSameAsParse(bytes);
        assertThat(JobHeader.read(bytes)).isEqualTo(new JobHeader("owner-1", "detection.detect",
                JobStatus.JOB_STATUS_COMPLETED_VALUE));
    }

    @Test
    void anEmptyRecordHasTheDefaults() throws Exception {
        assertSameAsParse(new byte[0]);
        assertThat(JobHeader.read(JobState.getDefaultInstance().toByteArray()))
                .isEqualTo(new JobHeader("", "", 0));
    }

    @Test
    void fieldsInAnyOrderAndARepeatedJobMergeAsTheParserMergesThem() throws Exception {
        byte[] stagesFirst = concat(JobState.newBuilder().addAllStages(full().getStagesList()).build().toByteArray(),
                JobState.newBuilder().setJob(full().getJob()).build().toByteArray());
        assertSameAsParse(stagesFirst);
        // A second occurrence of the job changes only the fields it carries: the status here.
        byte[] twice = concat(full().toByteArray(), JobState.newBuilder().setJob(Job.newBuilder()
                .setStatus(JobStatus.JOB_STATUS_FAILED)).build().toByteArray());
        assertSameAsParse(twice);
        assertThat(JobHeader.read(twice).status()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(JobHeader.read(twice).ownerId()).isEqualTo("owner-1");
    }

    @Test
    void anUnknownStatusKeepsItsNumber() throws Exception {
        byte[] bytes = JobState.newBuilder().setJob(Job.newBuilder().setOwnerId("o").setStatusValue(99)).build()
                .toByteArray();
        assertSameAsParse(bytes);
        assertThat(JobHeader.read(bytes).statusValue()).isEqualTo(99);
        assertThat(JobHeader.read(bytes).status()).isEqualTo(JobStatus.UNRECOGNIZED);
    }

    @Test
    void corruptBytesAreRefusedAsAParseRefusesThem() {
        byte[] truncated = java.util.Arrays.copyOf(full().toByteArray(), 20);
        assertThatThrownBy(() -> JobState.parseFrom(truncated)).isInstanceOf(Exception.class);
        assertThatThrownBy(() -> JobHeader.read(truncated)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Corrupt grid record");
    }
}
