package io.framegrid.fabric.jobs;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on every coordinator: reclaims the expired leases of tasks whose primary copy lives on this
 * node (so coordinators split the work without talking), and fails the jobs of such tasks that are past their
 * maximum duration, once per heartbeat interval.
 */
public final class LeaseReaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);

    private final IgniteCache<String, byte[]> tasks;
    private final JobLedger ledger;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "framegrid-lease-reaper");
        t.setDaemon(true);
        return t;
    });

    public LeaseReaper(Ignite ignite, JobLedger ledger, Clock clock) {
        this.tasks = ignite.cache(CacheNames.TASKS);
        this.ledger = ledger;
        this.clock = clock;
    }

    public LeaseReaper start(Duration interval) {
        timer.scheduleWithFixedDelay(this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reclaims every expired lease this node is primary for; returns how many. */
    public int sweep() {
        long now = clock.millis();
        List<String> expired = new ArrayList<>();
        java.util.Set<String> overdueJobs = new java.util.LinkedHashSet<>();
        for (Cache.Entry<String, byte[]> e : tasks.localEntries(CachePeekMode.PRIMARY)) {
            TaskState task = Protos.parse(TaskState.parser(), e.getValue());
            if (task.getJobDeadlineMs() > 0 && task.getJobDeadlineMs() < now) {
                // A processing job always has open tasks, so its deadline is found through them.
                overdueJobs.add(task.getJobId());
            } else if (task.getStatus() == TaskStatus.TASK_STATUS_LEASED && task.getLeaseExpiresMs() < now) {
                expired.add(e.getKey());
            }
        }
        for (String jobId : overdueJobs) {
            try {
                if (ledger.expire(jobId)) {
                    log.info("Job {} failed: past its maximum duration", jobId);
                }
            } catch (RuntimeException ex) {
                log.warn("Cannot expire job {}: {}", jobId, ex.toString());
            }
        }
        int reclaimed = 0;
        for (String taskId : expired) {
            try {
                if (ledger.reclaimExpired(taskId)) {
                    reclaimed++;
                }
            } catch (RuntimeException ex) {
                log.warn("Cannot reclaim lease of {}: {}", taskId, ex.toString());
            }
        }
        if (reclaimed > 0) {
            log.info("Reclaimed {} expired task leases", reclaimed);
        }
        return reclaimed;
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("Lease sweep failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
