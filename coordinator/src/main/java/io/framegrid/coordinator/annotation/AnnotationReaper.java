package io.framegrid.coordinator.annotation;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on every coordinator: clears the expired annotation leases of the videos whose primary copy lives on this
 * node (so coordinators split the work without talking), every {@code interval}. Leases are judged by the
 * ledger's clock, so a test moving that clock sees them freed within one interval.
 */
public final class AnnotationReaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnnotationReaper.class);

    private final AnnotationLedger ledger;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "framegrid-annotation-reaper");
        t.setDaemon(true);
        return t;
    });

    public AnnotationReaper(AnnotationLedger ledger) {
        this.ledger = ledger;
    }

    public AnnotationReaper start(Duration interval) {
        timer.scheduleWithFixedDelay(this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Frees every expired lease this node is primary for; returns how many. */
    public int sweep() {
        int freed = 0;
        for (String videoId : ledger.expiredHere()) {
            try {
                // Re-checked under the record's lock: the holder may have renewed since the scan.
                if (ledger.expire(videoId)) {
                    freed++;
                }
            } catch (RuntimeException e) {
                log.warn("Cannot free the annotation lock of {}: {}", videoId, e.toString());
            }
        }
        if (freed > 0) {
            log.info("Freed {} expired annotation locks", freed);
        }
        return freed;
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("Annotation lock sweep failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
