package io.framegrid.fabric.jobs;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes job and log changes from the grid to this coordinator's watchers: one continuous query per
 * cache, fanned out by job id. The grid delivers the updates of one key in order, so one job's
 * states arrive in order here, whichever node wrote them. The log query starts with this coordinator's
 * first followed Logs call (and then stays): until someone follows logs, log lines cost no event delivery.
 */
public final class JobEventHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobEventHub.class);

    private final Map<String, Set<Consumer<JobState>>> jobWatchers = new ConcurrentHashMap<>();
    private final Map<String, Set<Consumer<LogEntry>>> logWatchers = new ConcurrentHashMap<>();
    private final QueryCursor<?> jobCursor;
    private final IgniteCache<String, byte[]> logs;
    private QueryCursor<?> logCursor;
    private boolean closed;

    public JobEventHub(Ignite ignite) {
        IgniteCache<String, byte[]> jobs = ignite.cache(CacheNames.JOBS);
        this.logs = ignite.cache(CacheNames.JOB_LOGS);
        ContinuousQuery<String, byte[]> jobQuery = new ContinuousQuery<>();
        jobQuery.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getEventType() == EventType.REMOVED || e.getValue() == null) continue;
                Set<Consumer<JobState>> watchers = jobWatchers.get(e.getKey());
                if (watchers != null && !watchers.isEmpty()) {
                    JobState state = Protos.parse(JobState.parser(), e.getValue());
                    watchers.forEach(w -> deliver(w, state));
                }
            }
        });
        this.jobCursor = jobs.query(jobQuery);
    }

    /** Starts the log query once; it is registered on every node before this returns. */
    private synchronized void ensureLogQuery() {
        if (logCursor != null || closed) {
            return;
        }
        ContinuousQuery<String, byte[]> logQuery = new ContinuousQuery<>();
        logQuery.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getEventType() != EventType.CREATED || e.getValue() == null) continue;
                Set<Consumer<LogEntry>> watchers = logWatchers.get(JobLedger.jobIdOf(e.getKey()));
                if (watchers != null && !watchers.isEmpty()) {
                    LogEntry entry = Protos.parse(LogEntry.parser(), e.getValue());
                    watchers.forEach(w -> deliver(w, entry));
                }
            }
        });
        logCursor = logs.query(logQuery);
    }

    private static <T> void deliver(Consumer<T> watcher, T value) {
        try {
            watcher.accept(value);
        } catch (RuntimeException e) {
            log.debug("Watcher failed: {}", e.toString());
        }
    }

    /** Calls {@code watcher} with every new state of the job until the returned handle is closed. */
    public AutoCloseable watchJob(String jobId, Consumer<JobState> watcher) {
        jobWatchers.computeIfAbsent(jobId, k -> ConcurrentHashMap.newKeySet()).add(watcher);
        return () -> jobWatchers.computeIfPresent(jobId, (k, set) -> {
            set.remove(watcher);
            return set.isEmpty() ? null : set;
        });
    }

    /** Calls {@code watcher} with every new log line of the job (possibly out of order across lines). */
    public AutoCloseable watchLogs(String jobId, Consumer<LogEntry> watcher) {
        ensureLogQuery();
        logWatchers.computeIfAbsent(jobId, k -> ConcurrentHashMap.newKeySet()).add(watcher);
        return () -> logWatchers.computeIfPresent(jobId, (k, set) -> {
            set.remove(watcher);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void close() {
        jobCursor.close();
        synchronized (this) {
            closed = true;
            if (logCursor != null) {
                logCursor.close();
            }
        }
    }
}
