package io.framegrid.coordinator.studio;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobHeader;
import io.framegrid.proto.studio.StudioContract;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CacheEntryEventSerializableFilter;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles charges as studio jobs end, pushed by the grid (a continuous query whose filter runs where the job is
 * stored, so only ended studio jobs travel), and once at start for jobs that ended while no coordinator ran. Every
 * coordinator runs one; settling is idempotent, so the first to get there wins and the others change nothing.
 * Settling runs on a thread of its own: transactions must not run on the grid's event threads.
 */
final class ChargeSettler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChargeSettler.class);

    private final StudioLedger ledger;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "studio-charge-settler");
        t.setDaemon(true);
        return t;
    });
    private final QueryCursor<?> cursor;

    ChargeSettler(Ignite ignite, StudioLedger ledger) {
        this.ledger = ledger;
        ContinuousQuery<String, byte[]> query = new ContinuousQuery<>();
        query.setRemoteFilterFactory(FactoryBuilder.factoryOf(new EndedStudioJob()));
        query.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                String jobId = e.getKey();
                worker.execute(() -> settle(jobId));
            }
        });
        this.cursor = ignite.<String, byte[]>cache(CacheNames.JOBS).query(query);
        worker.execute(() -> {
            try {
                int n = ledger.settleEnded();
                if (n > 0) {
                    log.info("Settled {} studio charges of jobs that ended while no coordinator was settling", n);
                }
            } catch (RuntimeException ex) {
                log.warn("Start-up sweep of studio charges failed: {}", ex.toString());
            }
        });
    }

    private void settle(String jobId) {
        try {
            ledger.settle(jobId);
        } catch (RuntimeException ex) {
            // The next view of the job, or the next start's sweep, settles it.
            log.warn("Settling the charge of job {} failed: {}", jobId, ex.toString());
        }
    }

    @Override
    public void close() {
        cursor.close();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Passes updates that show a studio job in a final state. */
    static final class EndedStudioJob implements CacheEntryEventSerializableFilter<String, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean evaluate(CacheEntryEvent<? extends String, ? extends byte[]> e) {
            if (e.getEventType() == EventType.REMOVED || e.getValue() == null) {
                return false;
            }
            // Evaluated on the data nodes for every update of every job: the header only, not the whole record.
            JobHeader job = JobHeader.read(e.getValue());
            return StudioContract.JOB_TYPES.contains(job.type()) && JobLedger.isTerminal(job.status());
        }
    }
}
