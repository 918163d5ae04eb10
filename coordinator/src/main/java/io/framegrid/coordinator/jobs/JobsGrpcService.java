package io.framegrid.coordinator.jobs;

import io.framegrid.fabric.jobs.JobEventHub;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.fabric.FabricException;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.jobs.v1.CancelJobRequest;
import io.framegrid.proto.jobs.v1.GetJobRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobLogsRequest;
import io.framegrid.proto.jobs.v1.JobServiceGrpc;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.ListJobsResponse;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.jobs.v1.WatchJobRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;

/** The public jobs API over the {@link JobLedger}; every call is scoped to the caller's own jobs. */
public final class JobsGrpcService extends JobServiceGrpc.JobServiceImplBase {
    private final JobLedger ledger;
    private final JobTypes types;
    private final JobEventHub hub;
    private final Function<String, String> tierOf;
    private final IgniteCache<String, byte[]> jobs;

    /** {@code tierOf} maps a user id to its tier name (free, pro, enterprise). */
    public JobsGrpcService(Ignite ignite, JobLedger ledger, JobTypes types, JobEventHub hub,
                           Function<String, String> tierOf) {
        this.ledger = ledger;
        this.types = types;
        this.hub = hub;
        this.tierOf = tierOf;
        this.jobs = ignite.cache(CacheNames.JOBS);
    }

    /** Stores the job durably, admitted at once or queued behind the caller's tier limit. */
    @Override
    public void submit(SubmitJobRequest request, StreamObserver<Job> response) {
        run(response, () -> {
            Principal caller = caller();
            if (request.getType().isBlank()) {
                throw Errors.invalid("INVALID_JOB_TYPE", "Job type is required");
            }
            List<StagePlan> stages;
            try {
                stages = types.plan(request.getType(), request.getMetadataMap())
                        .orElseThrow(() -> Errors.invalid("UNKNOWN_JOB_TYPE", "Unknown job type '" + request.getType() + "'"));
            } catch (IllegalArgumentException e) {
                throw Errors.invalid("INVALID_JOB_PARAMETERS", e.getMessage());
            }
            String name = request.getDisplayName().isBlank() ? request.getType() : request.getDisplayName().trim();
            return ledger.submit(caller.userId(), tierOf.apply(caller.userId()), request.getType(), name,
                    request.getMetadataMap(), stages, types.maxDuration(request.getType())).getJob();
        });
    }

    /** Returns the committed state of one of the caller's jobs. */
    @Override
    public void get(GetJobRequest request, StreamObserver<Job> response) {
        run(response, () -> owned(request.getJobId()).getJob());
    }

    /** Lists the caller's jobs newest first, filtered by status and type, paged by limit/offset. */
    @Override
    public void list(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
        run(response, () -> {
            Principal caller = caller();
            int limit = request.getLimit() == 0 ? 50 : request.getLimit();
            if (limit < 0 || limit > 500 || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PAGE", "limit must be 1..500 and offset >= 0");
            }
            Set<Integer> statuses = new HashSet<>(request.getStatusesValueList());
            List<Job> all;
            try (var cursor = jobs.query(new ScanQuery<>(new OwnerJobFilter(caller.userId(), statuses, request.getType())))) {
                all = cursor.getAll().stream()
                        .map(Cache.Entry::getValue)
                        .map(v -> Protos.parse(JobState.parser(), (byte[]) v))
                        .sorted(Comparator.comparingLong(JobState::getCreatedMs).reversed()
                                .thenComparing(s -> s.getJob().getJobId()))
                        .map(JobState::getJob)
                        .collect(Collectors.toList());
            }
            int from = Math.min(request.getOffset(), all.size());
            int to = Math.min(from + limit, all.size());
            return ListJobsResponse.newBuilder().addAllJobs(all.subList(from, to)).setTotal(all.size())
                    .setHasMore(to < all.size()).build();
        });
    }

    /** Cancels a queued or processing job; its running tasks stop within a second and commit nothing. */
    @Override
    public void cancel(CancelJobRequest request, StreamObserver<Job> response) {
        run(response, () -> {
            owned(request.getJobId());
            return ledger.cancel(request.getJobId()).getJob();
        });
    }

    /** Streams the current state, then every change in sequence order, completing after a terminal state. */
    @Override
    public void watch(WatchJobRequest request, StreamObserver<JobEvent> response) {
        ServerCallStreamObserver<JobEvent> out = (ServerCallStreamObserver<JobEvent>) response;
        WatchStream stream = new WatchStream(out);
        try {
            Principal caller = caller();
            if (request.getJobId().isBlank()) {
                throw Errors.invalid("INVALID_JOB_ID", "job_id is required");
            }
            // Subscribe first and read once: no change after the read can be missed. The stream holds back
            // whatever arrives until the read has shown the job is the caller's.
            stream.subscription = hub.watchJob(request.getJobId(), stream::offer);
            JobState state = ledger.state(request.getJobId()).orElse(null);
            if (state == null || (!state.getJob().getOwnerId().equals(caller.userId()) && !caller.isAdmin())) {
                throw Errors.notFound("JOB_NOT_FOUND", "Job not found");
            }
            out.setOnCancelHandler(stream::close);
            stream.open(state);
        } catch (RuntimeException e) {
            stream.close();
            response.onError(Errors.toStatus(e));
        }
    }

    /** Streams stored log lines (the last {@code tail}), then, with follow, new lines until the job ends. */
    @Override
    public void logs(JobLogsRequest request, StreamObserver<JobLogLine> response) {
        JobState current;
        try {
            current = owned(request.getJobId());
            if (request.getTail() < 0) {
                throw Errors.invalid("INVALID_TAIL", "tail must be >= 0");
            }
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<JobLogLine> out = (ServerCallStreamObserver<JobLogLine>) response;
        if (!request.getFollow()) {
            List<LogEntry> stored;
            try {
                stored = ledger.logLines(request.getJobId(), request.getTail());
            } catch (RuntimeException e) {
                response.onError(Errors.toStatus(e));
                return;
            }
            for (LogEntry entry : stored) {
                out.onNext(line(entry));
            }
            out.onCompleted();
            return;
        }
        LogFollower follower = new LogFollower(out);
        follower.logSub = hub.watchLogs(request.getJobId(), follower::onLine);
        follower.jobSub = hub.watchJob(request.getJobId(), follower::job);
        out.setOnCancelHandler(follower::close);
        List<LogEntry> stored;
        JobState latest;
        try {
            stored = ledger.logLines(request.getJobId(), request.getTail());
            latest = ledger.state(request.getJobId()).orElse(current);
        } catch (RuntimeException e) {
            // Nothing was sent yet: end the subscriptions and report the failure as a status.
            follower.close();
            response.onError(Errors.toStatus(e));
            return;
        }
        follower.start(stored, stored.isEmpty() ? current.getLogSequence() + 1 : stored.get(0).getSequence());
        follower.job(latest);
    }

    private JobState owned(String jobId) {
        Principal caller = caller();
        if (jobId.isBlank()) {
            throw Errors.invalid("INVALID_JOB_ID", "job_id is required");
        }
        JobState state = ledger.state(jobId).orElse(null);
        if (state == null || (!state.getJob().getOwnerId().equals(caller.userId()) && !caller.isAdmin())) {
            throw Errors.notFound("JOB_NOT_FOUND", "Job not found");
        }
        return state;
    }

    static Principal caller() {
        Principal p = Principal.current();
        if (p == null) {
            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
        }
        return p;
    }

    static JobLogLine line(LogEntry e) {
        return JobLogLine.newBuilder().setSequence(e.getSequence()).setTime(Protos.timestamp(e.getTimeMs()))
                .setLevel(e.getLevel()).setMessage(e.getMessage()).build();
    }

    private static <T> void run(StreamObserver<T> response, java.util.function.Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (FabricException e) {
            response.onError(Errors.from(e));
            return;
        } catch (io.grpc.StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (RuntimeException e) {
            response.onError(Errors.of(Status.Code.INTERNAL, "INTERNAL", "Internal error: " + e.getMessage()));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    /** One Watch call: forwards states with increasing sequence numbers, closes after a terminal one. */
    private static final class WatchStream {
        private final ServerCallStreamObserver<JobEvent> out;
        private volatile AutoCloseable subscription;
        private long lastSequence;
        private boolean done;
        private boolean opened;
        private JobState held;

        WatchStream(ServerCallStreamObserver<JobEvent> out) {
            this.out = out;
        }

        /** Starts forwarding, from {@code read} and then anything newer that arrived meanwhile. */
        synchronized void open(JobState read) {
            opened = true;
            JobState newer = held;
            held = null;
            offer(read);
            if (newer != null) {
                offer(newer);
            }
        }

        synchronized void offer(JobState state) {
            if (!opened) {
                if (held == null || state.getEventSequence() > held.getEventSequence()) {
                    held = state;
                }
                return;
            }
            if (done || state.getEventSequence() <= lastSequence) {
                return;
            }
            lastSequence = state.getEventSequence();
            if (out.isCancelled()) {
                close();
                return;
            }
            out.onNext(JobEvent.newBuilder().setSequence(state.getEventSequence()).setJob(state.getJob()).build());
            if (JobLedger.isTerminal(state.getJob().getStatus())) {
                done = true;
                out.onCompleted();
                close();
            }
        }

        void close() {
            AutoCloseable s = subscription;
            if (s != null) {
                try {
                    s.close();
                } catch (Exception ignored) {
                    // Nothing to release beyond the map entry.
                }
            }
        }
    }

    /** One followed Logs call: emits lines in sequence order and completes once the ended job's last line is out. */
    private static final class LogFollower {
        private final ServerCallStreamObserver<JobLogLine> out;
        private final TreeMap<Long, LogEntry> pending = new TreeMap<>();
        volatile AutoCloseable logSub;
        volatile AutoCloseable jobSub;
        private long next = -1;
        private long endSequence = Long.MAX_VALUE;
        private boolean done;

        LogFollower(ServerCallStreamObserver<JobLogLine> out) {
            this.out = out;
        }

        synchronized void start(List<LogEntry> stored, long firstSequence) {
            next = firstSequence;
            for (LogEntry e : stored) {
                pending.put(e.getSequence(), e);
            }
            drain();
        }

        synchronized void onLine(LogEntry entry) {
            if (next < 0 || entry.getSequence() >= next) {
                pending.put(entry.getSequence(), entry);
            }
            drain();
        }

        synchronized void job(JobState state) {
            // The first lines of a job live in its record and arrive with its states, not as log-cache events.
            for (LogEntry e : state.getInlineLogList()) {
                if (next < 0 || e.getSequence() >= next) {
                    pending.put(e.getSequence(), e);
                }
            }
            if (JobLedger.isTerminal(state.getJob().getStatus())) {
                endSequence = Math.min(endSequence, state.getLogSequence());
            }
            drain();
        }

        private void drain() {
            if (done || next < 0) {
                return;
            }
            if (out.isCancelled()) {
                close();
                return;
            }
            // Lines that were dropped as too old before they could be read are skipped.
            while (!pending.isEmpty() && pending.firstKey() < next) {
                pending.pollFirstEntry();
            }
            while (!pending.isEmpty() && pending.firstKey() == next) {
                out.onNext(line(pending.pollFirstEntry().getValue()));
                next++;
            }
            if (next > endSequence) {
                done = true;
                out.onCompleted();
                close();
            }
        }

        void close() {
            for (AutoCloseable s : new AutoCloseable[] {logSub, jobSub}) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (Exception ignored) {
                        // Nothing to release beyond the map entry.
                    }
                }
            }
        }
    }
}
