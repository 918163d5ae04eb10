package io.framegrid.coordinator.studio;

import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.studio.StudioContract;
import java.util.Set;
import org.apache.ignite.lang.IgniteBiPredicate;

/** Scan-query filter run on the data nodes: studio jobs, of one owner (or all when null), by status. */
final class StudioJobFilter implements IgniteBiPredicate<String, byte[]> {
    private static final long serialVersionUID = 1L;

    private final String ownerId;
    private final Set<Integer> statuses;

    StudioJobFilter(String ownerId, Set<Integer> statuses) {
        this.ownerId = ownerId;
        this.statuses = new java.util.HashSet<>(statuses);
    }

    @Override
    public boolean apply(String key, byte[] value) {
        Job job = Protos.parse(JobState.parser(), value).getJob();
        return StudioContract.JOB_TYPES.contains(job.getType())
                && (ownerId == null || job.getOwnerId().equals(ownerId))
                && (statuses.isEmpty() || statuses.contains(job.getStatusValue()));
    }
}
