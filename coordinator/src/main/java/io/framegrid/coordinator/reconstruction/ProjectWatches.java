package io.framegrid.coordinator.reconstruction;

import io.framegrid.fabric.jobs.JobEventHub;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.ProjectJobEvent;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
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
 * WatchProject streams: each follows the project's jobs through a job event hub of its own (the grid delivers one
 * job's states in order) and learns of jobs attached later from a continuous query on the projects cache. Both
 * queries start with the first watch of this coordinator, so a cluster nobody watches pays no event delivery.
 */
final class ProjectWatches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProjectWatches.class);

    private final Ignite ignite;
    private final JobLedger ledger;
    private final IgniteCache<Long, byte[]> projects;
    private final Map<Long, Set<Consumer<Project>>> projectWatchers = new ConcurrentHashMap<>();
    private JobEventHub hub;
    private QueryCursor<?> cursor;
    private boolean closed;

    ProjectWatches(Ignite ignite, JobLedger ledger, IgniteCache<Long, byte[]> projects) {
        this.ignite = ignite;
        this.ledger = ledger;
        this.projects = projects;
    }

    private synchronized JobEventHub start() {
        if (closed) {
            throw new IllegalStateException("stopped");
        }
        if (hub == null) {
            hub = new JobEventHub(ignite);
            ContinuousQuery<Long, byte[]> query = new ContinuousQuery<>();
            query.setLocalListener(events -> {
                for (CacheEntryEvent<? extends Long, ? extends byte[]> e : events) {
                    Set<Consumer<Project>> watchers = projectWatchers.get(e.getKey());
                    if (watchers == null) {
                        continue;
                    }
                    Project p = e.getEventType() == EventType.REMOVED || e.getValue() == null ? null
                            : Protos.parse(Project.parser(), e.getValue());
                    watchers.forEach(w -> w.accept(p));
                }
            });
            cursor = projects.query(query);
        }
        return hub;
    }

    void watch(Project project, StreamObserver<ProjectJobEvent> response) {
        ServerCallStreamObserver<ProjectJobEvent> out = (ServerCallStreamObserver<ProjectJobEvent>) response;
        Stream stream = new Stream(project.getId(), out, start());
        out.setOnCancelHandler(stream::close);
        projectWatchers.computeIfAbsent(project.getId(), k -> ConcurrentHashMap.newKeySet()).add(stream.self);
        stream.projectSub = () -> projectWatchers.computeIfPresent(project.getId(), (k, set) -> {
            set.remove(stream.self);
            return set.isEmpty() ? null : set;
        });
        // Jobs attached between the read and the subscription are picked up here.
        Project now = Protos.parse(Project.parser(), projects.get(project.getId()));
        stream.onProject(now);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (cursor != null) {
            cursor.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    /** One WatchProject call; every send is serialised on this object. */
    private final class Stream {
        private final long projectId;
        private final ServerCallStreamObserver<ProjectJobEvent> out;
        private final JobEventHub hub;
        private final Map<String, AutoCloseable> jobs = new ConcurrentHashMap<>();
        private final Consumer<Project> self = this::onProject;
        private volatile AutoCloseable projectSub;
        private boolean done;

        Stream(long projectId, ServerCallStreamObserver<ProjectJobEvent> out, JobEventHub hub) {
            this.projectId = projectId;
            this.out = out;
            this.hub = hub;
        }

        void onProject(Project p) {
            if (p == null) {
                finish();
                return;
            }
            for (String jobId : p.getJobIdsList()) {
                if (jobs.containsKey(jobId)) {
                    continue;
                }
                synchronized (this) {
                    if (done || jobs.containsKey(jobId)) {
                        continue;
                    }
                    jobs.put(jobId, hub.watchJob(jobId, s -> send(s.getJob())));
                }
                // The state now, after subscribing: nothing between the two is lost (the receiver drops repeats).
                ledger.state(jobId).map(JobState::getJob).ifPresent(this::send);
            }
        }

        synchronized void send(Job job) {
            if (done) {
                return;
            }
            try {
                out.onNext(ProjectJobEvent.newBuilder().setProjectId(projectId).setJob(job).build());
            } catch (RuntimeException e) {
                log.debug("Project watch {} send failed: {}", projectId, e.toString());
                close();
            }
        }

        synchronized void finish() {
            if (!done) {
                try {
                    out.onCompleted();
                } catch (RuntimeException e) {
                    log.debug("Project watch {} end failed: {}", projectId, e.toString());
                }
            }
            close();
        }

        synchronized void close() {
            done = true;
            List<AutoCloseable> subs = new ArrayList<>(jobs.values());
            if (projectSub != null) {
                subs.add(projectSub);
            }
            for (AutoCloseable c : subs) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("Unsubscribe failed: {}", e.toString());
                }
            }
        }
    }
}
