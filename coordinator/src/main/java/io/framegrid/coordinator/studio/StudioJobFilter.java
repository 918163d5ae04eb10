package io.framegrid.coordinator.studio;

import io.framegrid.fabric.jobs.JobHeader;
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
        JobHeader job = JobHeader.read(value);
        return StudioContract.JOB_TYPES.contains(job.type())
                && (ownerId == null || job.ownerId().equals(ownerId))
                && (statuses.isEmpty() || statuses.contains(job.statusValue()));
    }
}
