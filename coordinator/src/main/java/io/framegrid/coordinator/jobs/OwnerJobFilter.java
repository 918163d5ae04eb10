package io.framegrid.coordinator.jobs;

import io.framegrid.fabric.jobs.Protos;

import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.Job;
import java.util.Set;
import org.apache.ignite.lang.IgniteBiPredicate;

/** Scan-query filter run on the data nodes: one owner's jobs, by status and type. */
final class OwnerJobFilter implements IgniteBiPredicate<String, byte[]> {
    private static final long serialVersionUID = 1L;

    private final String ownerId;
    private final Set<Integer> statuses;
    private final String type;

    OwnerJobFilter(String ownerId, Set<Integer> statuses, String type) {
        this.ownerId = ownerId;
        this.statuses = statuses;
        this.type = type;
    }

    @Override
    public boolean apply(String key, byte[] value) {
        Job job = Protos.parse(JobState.parser(), value).getJob();
        return job.getOwnerId().equals(ownerId)
                && (statuses.isEmpty() || statuses.contains(job.getStatusValue()))
                && (type.isEmpty() || type.equals(job.getType()));
    }
}
