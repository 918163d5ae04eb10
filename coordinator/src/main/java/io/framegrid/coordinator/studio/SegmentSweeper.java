package io.framegrid.coordinator.studio;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.MediaRecord;
import io.framegrid.proto.studio.StudioContract;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryEventSerializableFilter;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the intermediate segments ({@link StudioContract#SEGMENT_KIND} media: GhostCut's erased ranges,
 * pro-sync's rendered pieces) of studio jobs that have
 * ended, in any state: the mux task deletes them only after a stored result, so a job that failed, was cancelled,
 * or ran a range twice (a lost lease, a retry) would otherwise keep them for good.
 *
 * <p>Three triggers, because a segment and its job's end can race: a job's end (pushed by the grid, as
 * {@link ChargeSettler}'s) sweeps the segments registered so far; a segment registered after its job ended (an
 * erase attempt that finished after a cancel or a lost lease) is deleted as it is registered; and a start-up
 * sweep deletes what either missed while no coordinator ran. A registration read before the job's end is
 * committed is therefore seen by the job-end sweep, which scans after it. Every coordinator runs one; deleting
 * is idempotent. Deletes run on a thread of their own, never on the grid's event threads.
 */
final class SegmentSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentSweeper.class);

    private final MediaLibrary media;
    private final JobLedger jobs;
    private final IgniteCache<String, byte[]> mediaCache;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "studio-segment-sweeper");
        t.setDaemon(true);
        return t;
    });
    private final QueryCursor<?> jobCursor;
    private final QueryCursor<?> mediaCursor;

    SegmentSweeper(Ignite ignite, MediaLibrary media, JobLedger jobs) {
        this.media = media;
        this.jobs = jobs;
        this.mediaCache = ignite.cache(CacheNames.MEDIA);
        ContinuousQuery<String, byte[]> ended = new ContinuousQuery<>();
        ended.setRemoteFilterFactory(FactoryBuilder.factoryOf(new ChargeSettler.EndedStudioJob()));
        ended.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                String jobId = e.getKey();
                worker.execute(() -> sweep(jobId));
            }
        });
        this.jobCursor = ignite.<String, byte[]>cache(CacheNames.JOBS).query(ended);
        ContinuousQuery<String, byte[]> registered = new ContinuousQuery<>();
        registered.setRemoteFilterFactory(FactoryBuilder.factoryOf(new NewSegment()));
        registered.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                Media m = Protos.parse(MediaRecord.parser(), e.getValue()).getMedia();
                worker.execute(() -> {
                    if (ended(m.getMetadataOrDefault(StudioContract.MEDIA_JOB_ID, ""))) {
                        delete(List.of(m));
                    }
                });
            }
        });
        this.mediaCursor = mediaCache.query(registered);
        worker.execute(() -> {
            try {
                int n = sweepEnded();
                if (n > 0) {
                    log.info("Deleted {} GhostCut segments of jobs that ended while no coordinator was sweeping", n);
                }
            } catch (RuntimeException ex) {
                log.warn("Start-up sweep of GhostCut segments failed: {}", ex.toString());
            }
        });
    }

    /** Deletes the segments of {@code jobId} registered so far; returns how many. */
    int sweep(String jobId) {
        return delete(segments(new SegmentOf(jobId)));
    }

    /** Deletes every segment whose job has ended (or is gone); returns how many. */
    int sweepEnded() {
        List<Media> orphans = new ArrayList<>();
        for (Media m : segments(new SegmentOf(null))) {
            if (ended(m.getMetadataOrDefault(StudioContract.MEDIA_JOB_ID, ""))) {
                orphans.add(m);
            }
        }
        return delete(orphans);
    }

    /** A job that has ended, or that no longer exists (expired with its records): its segments have no reader. */
    private boolean ended(String jobId) {
        JobState s = jobs.state(jobId).orElse(null);
        return s == null || JobLedger.isTerminal(s.getJob().getStatus());
    }

    private List<Media> segments(SegmentOf filter) {
        List<Media> found = new ArrayList<>();
        try (var cursor = mediaCache.query(new ScanQuery<>(filter))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                found.add(Protos.parse(MediaRecord.parser(), e.getValue()).getMedia());
            }
        }
        return found;
    }

    private int delete(List<Media> segments) {
        int deleted = 0;
        for (Media m : segments) {
            try {
                if (media.delete(m)) {
                    deleted++;
                }
            } catch (IOException | RuntimeException ex) {
                // Left for the next start's sweep.
                log.warn("Deleting GhostCut segment {} of job {} failed: {}", m.getMediaId(),
                        m.getMetadataOrDefault(StudioContract.MEDIA_JOB_ID, ""), ex.toString());
            }
        }
        return deleted;
    }

    @Override
    public void close() {
        jobCursor.close();
        mediaCursor.close();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean isSegment(Media m) {
        return StudioContract.SEGMENT_KIND.equals(m.getMetadataOrDefault(StudioContract.MEDIA_KIND, ""));
    }

    /** Scan filter, run on the data nodes: the segments of one job, or of every job when the id is null. */
    static final class SegmentOf implements IgniteBiPredicate<String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final String jobId;

        SegmentOf(String jobId) {
            this.jobId = jobId;
        }

        @Override
        public boolean apply(String key, byte[] value) {
            Media m = Protos.parse(MediaRecord.parser(), value).getMedia();
            return isSegment(m) && (jobId == null
                    || jobId.equals(m.getMetadataOrDefault(StudioContract.MEDIA_JOB_ID, "")));
        }
    }

    /** Passes the registration of a segment (its first write; media records are not rewritten but for probes). */
    static final class NewSegment implements CacheEntryEventSerializableFilter<String, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean evaluate(CacheEntryEvent<? extends String, ? extends byte[]> e) {
            return e.getEventType() == EventType.CREATED && e.getValue() != null
                    && isSegment(Protos.parse(MediaRecord.parser(), e.getValue()).getMedia());
        }
    }
}
