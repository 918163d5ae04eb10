package io.framegrid.fabric.jobs;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.io.IOException;

/**
 * The owner, type and status of a stored job ({@code fg_jobs} value), read from its bytes without parsing the rest:
 * the job's metadata, result refs, stage plans and inline log are skipped over. For the scan and continuous-query
 * filters that run on the data nodes over every job and every job update, where a full parse per entry was the
 * filters' whole cost. Reads what {@link JobState#parseFrom(byte[])} would: the last value of a field wins, also
 * across repeated occurrences of the embedded job.
 */
public record JobHeader(String ownerId, String type, int statusValue) {
    private static final int JOB_TAG = tag(JobState.JOB_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int OWNER_TAG = tag(Job.OWNER_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int TYPE_TAG = tag(Job.TYPE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int STATUS_TAG = tag(Job.STATUS_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);

    /** A field's tag as the wire format writes it (protobuf's own helper is package-private). */
    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }

    public JobStatus status() {
        JobStatus s = JobStatus.forNumber(statusValue);
        return s == null ? JobStatus.UNRECOGNIZED : s;
    }

    /** The header of serialized {@code JobState} {@code bytes}; IllegalStateException for corrupt bytes. */
    public static JobHeader read(byte[] bytes) {
        String owner = "";
        String type = "";
        int status = 0;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (tag != JOB_TAG) {
                    if (!in.skipField(tag)) {
                        break;
                    }
                    continue;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                for (int jobTag; (jobTag = in.readTag()) != 0; ) {
                    if (jobTag == OWNER_TAG) {
                        owner = in.readStringRequireUtf8();
                    } else if (jobTag == TYPE_TAG) {
                        type = in.readStringRequireUtf8();
                    } else if (jobTag == STATUS_TAG) {
                        status = in.readEnum();
                    } else if (!in.skipField(jobTag)) {
                        break;
                    }
                }
                in.popLimit(limit);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Corrupt grid record: " + e.getMessage(), e);
        }
        return new JobHeader(owner, type, status);
    }
}
