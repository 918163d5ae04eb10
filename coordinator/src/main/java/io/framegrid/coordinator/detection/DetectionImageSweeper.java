package io.framegrid.coordinator.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.proto.cluster.v1.JobState;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes inline detection images ({@code fg_detection_images}) whose job ended without the node's removal after
 * its commit: failed, cancelled or expired jobs, and completions whose node died between commit and removal. A job
 * that is terminal loses its image at once; an image whose job is not visible at all is removed only when it is
 * still without a job one sweep later, because a scan can see the image of a submit transaction that is still
 * applying its job on another partition. Every coordinator sweeps; removals are idempotent.
 */
final class DetectionImageSweeper implements AutoCloseable {
    static final Duration INTERVAL = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(DetectionImageSweeper.class);

    private final IgniteCache<String, byte[]> images;
    private final JobLedger ledger;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "detection-image-sweeper");
        t.setDaemon(true);
        return t;
    });
    /** Keys without a job at the previous sweep; touched only by the sweeper's thread. */
    private Set<String> orphanCandidates = Set.of();

    DetectionImageSweeper(Ignite ignite, JobLedger ledger) {
        this.images = ignite.cache(CacheNames.DETECTION_IMAGES);
        this.ledger = ledger;
    }

    DetectionImageSweeper start(Duration interval) {
        executor.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                // The grid may be reconnecting; the next sweep tries again.
                LOG.debug("Detection image sweep failed: {}", e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass; returns how many images it removed. */
    int sweep() {
        List<String> keys;
        // The transformer runs on the data nodes: only the keys travel, not the images.
        try (var cursor = images.query(new ScanQuery<String, byte[]>(), Cache.Entry::getKey)) {
            keys = cursor.getAll();
        }
        Set<String> jobless = new HashSet<>();
        int removed = 0;
        for (String jobId : keys) {
            Optional<JobState> state = ledger.state(jobId);
            boolean ended = state.map(s -> JobLedger.isTerminal(s.getJob().getStatus())).orElse(false);
            if (state.isEmpty() && !orphanCandidates.contains(jobId)) {
                jobless.add(jobId);
            } else if ((ended || state.isEmpty()) && images.remove(jobId)) {
                removed++;
            }
        }
        orphanCandidates = jobless;
        if (removed > 0) {
            LOG.info("Removed {} images of ended detections", removed);
        }
        return removed;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
