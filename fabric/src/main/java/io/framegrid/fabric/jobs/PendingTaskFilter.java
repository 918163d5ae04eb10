package io.framegrid.fabric.jobs;

import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import org.apache.ignite.lang.IgniteBiPredicate;

/** Scan-query filter of the task cache, run on the data nodes: only tasks waiting for a lease come back. */
public final class PendingTaskFilter implements IgniteBiPredicate<String, byte[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(String taskId, byte[] value) {
        return Protos.parse(TaskState.parser(), value).getStatus() == TaskStatus.TASK_STATUS_PENDING;
    }
}
