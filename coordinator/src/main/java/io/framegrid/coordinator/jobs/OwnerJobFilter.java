package io.framegrid.coordinator.jobs;

import io.framegrid.fabric.jobs.JobHeader;

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
        // Runs on the data nodes over every job of the grid: only the three fields it needs are read.
        JobHeader job = JobHeader.read(value);
        return job.ownerId().equals(ownerId)
                && (statuses.isEmpty() || statuses.contains(job.statusValue()))
                && (type.isEmpty() || type.equals(job.type()));
    }
}
