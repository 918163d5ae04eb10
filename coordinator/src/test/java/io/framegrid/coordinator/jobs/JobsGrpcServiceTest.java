package io.framegrid.coordinator.jobs;

import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.LeaseLostException;
import io.framegrid.fabric.jobs.LeaseReaper;
import io.framegrid.fabric.jobs.TaskCommit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.ListJobsResponse;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.jobs.JobsClient;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The jobs API as a client sees it, served through the production {@code configure} on in-process gRPC. */
class JobsGrpcServiceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(
            "jobs.tier-limit.free", 2,
            "jobs.lease-time", "5s",
            "jobs.heartbeat-interval", "1h",
            "jobs.log.max-lines", 50), new InProcessTransport());

    @AfterEach
    void resetClock() {
        cluster.clock().reset();
    }

    private static JobLedger ledger() {
        return new JobLedger(cluster.ignite(), cluster.config().jobs(), cluster.clock());
    }

    private static FramegridClient newUser() {
        String name = "u" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Sup3rSecret").build());
        String token = cluster.client().identity().login(name, "Sup3rSecret").getAccessToken();
        return cluster.client().withBearerToken(token);
    }

    private static FramegridException failure(Runnable call) {
        try {
            call.run();
        } catch (FramegridException e) {
            return e;
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    /** Leases and commits every task of the job's current stage as a worker node would. */
    private static void runStage(JobLedger ledger, Job job, int stage, int chunks, String node) {
        for (int chunk = 0; chunk < chunks; chunk++) {
            String taskId = JobLedger.taskId(job.getJobId(), stage, chunk);
            TaskState leased = ledger.lease(taskId, node).orElseThrow();
            ledger.progress(taskId, node, leased.getFence(), 50, "working on " + chunk);
            ledger.commit(taskId, node, leased.getFence(),
                    new TaskCommit(("out-" + chunk).getBytes(), List.of("ref-" + stage + "-" + chunk), 1,
                            List.of("chunk " + chunk + " done")));
        }
    }

    @Test
    void watchStreamsEveryChangeInOrderUntilCompletion() throws Exception {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "3"));
        assertThat(job.getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(job.getTasksTotal()).isEqualTo(4);

        List<JobEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        asyncFor(jobs).watch(job.getJobId(), collector(events, done));
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());

        JobLedger ledger = ledger();
        runStage(ledger, job, 0, 3, "node-a");
        runStage(ledger, job, 1, 1, "node-a");
        done.get(10, TimeUnit.SECONDS);

        List<Long> sequences = events.stream().map(JobEvent::getSequence).toList();
        assertThat(sequences).isSorted().doesNotHaveDuplicates();
        List<Integer> progress = events.stream().map(e -> e.getJob().getProgress()).toList();
        assertThat(progress).isSorted();
        // submit, then per task a progress and a commit event, with the stage switch folded into a commit.
        assertThat(events).hasSizeGreaterThanOrEqualTo(8);
        Job last = events.get(events.size() - 1).getJob();
        assertThat(last.getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(last.getProgress()).isEqualTo(100);
        assertThat(last.getTasksDone()).isEqualTo(4);
        assertThat(last.getResultRefsList()).containsExactly("ref-0-0", "ref-0-1", "ref-0-2", "ref-1-0");
        assertThat(last.getCreditsUsed()).isEqualTo(4);
        assertThat(last.hasCompletedAt()).isTrue();
        assertThat(jobs.get(job.getJobId())).isEqualTo(last);

        List<String> lines = new ArrayList<>();
        jobs.logs(job.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
        assertThat(lines).first().asString().startsWith("Job submitted");
        assertThat(lines).contains("chunk 0 done", "Job completed");
        List<JobLogLine> tail = new ArrayList<>();
        jobs.logs(job.getJobId(), 2, false).forEachRemaining(tail::add);
        assertThat(tail).hasSize(2);
        assertThat(tail.get(1).getMessage()).isEqualTo("Job completed");
    }

    @Test
    void logLinesMergeTheJobRecordAndTheLogCacheAndDropTheOldestAcrossBoth() {
        // The first lines live in the job record, later ones in the log cache; with at most 6 lines kept, the
        // oldest are dropped from wherever they are, and reads return one ordered sequence.
        io.framegrid.config.FramegridConfig.Jobs c = cluster.config().jobs();
        JobLedger ledger = new JobLedger(cluster.ignite(), new io.framegrid.config.FramegridConfig.Jobs(c.leaseTime(),
                c.heartbeatInterval(), c.maxAttempts(), 1_000, 1_000, 1_000, 6, c.taskSlots(), c.gpu(), c.models(),
                c.nearFrameCacheMb(), c.transactionLockTimeout(), c.transactionRetryTime()), cluster.clock());
        String jobId = ledger.submit("log-owner-" + UUID.randomUUID(), "free", JobTypes.NOOP, "logs", Map.of(),
                JobTypes.withBuiltIns().plan(JobTypes.NOOP, Map.of()).orElseThrow()).getJob().getJobId();
        assertThat(ledger.state(jobId).orElseThrow().getInlineLogCount()).isEqualTo(1);
        assertThat(ledger.logLines(jobId, 0)).extracting(l -> l.getSequence()).containsExactly(1L);
        for (int i = 2; i <= 9; i++) {
            ledger.appendLog(jobId, "INFO", "line " + i);
        }
        assertThat(ledger.logLines(jobId, 0)).extracting(l -> l.getMessage())
                .containsExactly("line 4", "line 5", "line 6", "line 7", "line 8", "line 9");
        assertThat(ledger.logLines(jobId, 0)).extracting(l -> l.getSequence()).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(ledger.logLines(jobId, 3)).extracting(l -> l.getMessage())
                .containsExactly("line 7", "line 8", "line 9");
        assertThat(ledger.state(jobId).orElseThrow().getInlineLogList()).extracting(l -> l.getSequence())
                .containsExactly(4L);
        ledger.cancel(jobId);
        assertThat(ledger.logLines(jobId, 1)).extracting(l -> l.getMessage()).containsExactly("Job cancelled");
    }

    @Test
    void followedLogsStreamNewLinesAndEndWithTheJob() throws Exception {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(JobTypes.NOOP, Map.of());
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        asyncFor(jobs).logs(job.getJobId(), 0, true, new StreamObserver<>() {
            @Override public void onNext(JobLogLine value) { lines.add(value.getMessage()); }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
            @Override public void onCompleted() { done.complete(null); }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !lines.isEmpty());
        JobLedger ledger = ledger();
        for (int i = 0; i < 5; i++) {
            ledger.appendLog(job.getJobId(), "INFO", "line " + i);
        }
        runStage(ledger, job, 0, 1, "node-a");
        done.get(10, TimeUnit.SECONDS);
        assertThat(lines).containsSubsequence("line 0", "line 1", "line 2", "line 3", "line 4", "Job completed");
    }

    @Test
    void logsKeepOnlyTheNewestLines() {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(JobTypes.NOOP, Map.of());
        JobLedger ledger = ledger();
        for (int i = 0; i < 80; i++) {
            ledger.appendLog(job.getJobId(), "INFO", "line " + i);
        }
        List<String> lines = new ArrayList<>();
        jobs.logs(job.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
        assertThat(lines).hasSize(50);
        assertThat(lines.get(0)).isEqualTo("line 30");
        assertThat(lines.get(49)).isEqualTo("line 79");
    }

    @Test
    void tierLimitQueuesExcessJobsAndAdmitsThemInOrder() {
        JobsClient jobs = newUser().jobs();
        Job first = jobs.submit(JobTypes.NOOP, Map.of());
        Job second = jobs.submit(JobTypes.NOOP, Map.of());
        Job third = jobs.submit(JobTypes.NOOP, Map.of());
        Job fourth = jobs.submit(JobTypes.NOOP, Map.of());
        assertThat(first.getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(second.getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(third.getStatus()).isEqualTo(JobStatus.JOB_STATUS_QUEUED);
        assertThat(fourth.getStatus()).isEqualTo(JobStatus.JOB_STATUS_QUEUED);
        assertThat(ledger().task(JobLedger.taskId(third.getJobId(), 0, 0))).isEmpty();

        runStage(ledger(), first, 0, 1, "node-a");
        assertThat(jobs.get(first.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(jobs.get(third.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        assertThat(jobs.get(fourth.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_QUEUED);

        // Another user's limit is separate.
        Job other = newUser().jobs().submit(JobTypes.NOOP, Map.of());
        assertThat(other.getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);

        jobs.cancel(second.getJobId());
        assertThat(jobs.get(fourth.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
    }

    @Test
    void cancellingAQueuedJobIsImmediate() {
        JobsClient jobs = newUser().jobs();
        jobs.submit(JobTypes.NOOP, Map.of());
        jobs.submit(JobTypes.NOOP, Map.of());
        Job queued = jobs.submit(JobTypes.NOOP, Map.of());
        Job cancelled = jobs.cancel(queued.getJobId());
        assertThat(cancelled.getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
        assertThat(cancelled.hasCompletedAt()).isTrue();
        FramegridException again = failure(() -> jobs.cancel(queued.getJobId()));
        assertThat(again.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(again.reason()).isEqualTo("JOB_FINISHED");
    }

    @Test
    void cancellingARunningJobRejectsItsTasksLateOutput() {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2"));
        JobLedger ledger = ledger();
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        TaskState leased = ledger.lease(taskId, "node-a").orElseThrow();
        Job cancelled = jobs.cancel(job.getJobId());
        assertThat(cancelled.getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
        assertThat(ledger.task(taskId)).isEmpty();
        assertThat(ledger.task(JobLedger.taskId(job.getJobId(), 0, 1))).isEmpty();
        assertThat(ledger.renew(taskId, "node-a", leased.getFence())).isFalse();
        assertThatThrownBy(() -> ledger.commit(taskId, "node-a", leased.getFence(), TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.output(taskId)).isEmpty();
        assertThat(jobs.get(job.getJobId()).getTasksDone()).isZero();
    }

    @Test
    void aJobStillProcessingPastItsMaximumDurationFailsAndItsTasksCannotCommit() {
        cluster.server().jobTypes().register("test.bounded",
                meta -> List.of(JobTypes.stage("work", TestJobs.WRITE_OUTPUTS, 2, meta)), Duration.ofMinutes(10));
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit("test.bounded", Map.of());
        JobLedger ledger = ledger();
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        TaskState leased = ledger.lease(taskId, "node-a").orElseThrow();
        LeaseReaper reaper = new LeaseReaper(cluster.ignite(), ledger, cluster.clock());

        cluster.clock().advance(Duration.ofMinutes(9));
        assertThat(ledger.renew(taskId, "node-a", leased.getFence())).isTrue();
        reaper.sweep();
        // The ledger is read directly from here on: the caller's access token does not outlive the moved clock.
        assertThat(ledger.state(job.getJobId()).orElseThrow().getJob().getStatus())
                .isEqualTo(JobStatus.JOB_STATUS_PROCESSING);

        cluster.clock().advance(Duration.ofMinutes(2));
        reaper.sweep();
        Job failed = ledger.state(job.getJobId()).orElseThrow().getJob();
        assertThat(failed.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(failed.getErrorMessage()).isEqualTo("Job exceeded its maximum duration of 10 minutes");
        assertThat(ledger.renew(taskId, "node-a", leased.getFence())).isFalse();
        assertThatThrownBy(() -> ledger.commit(taskId, "node-a", leased.getFence(), TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.task(JobLedger.taskId(job.getJobId(), 0, 1))).isEmpty();
        // Jobs of types without a limit never expire.
        String unbounded = ledger.submit(job.getOwnerId(), "pro", TestJobs.WRITE_OUTPUTS, "unbounded", Map.of(),
                List.of(JobTypes.stage("work", TestJobs.WRITE_OUTPUTS, 1, Map.of()))).getJob().getJobId();
        cluster.clock().advance(Duration.ofHours(5));
        reaper.sweep();
        assertThat(ledger.state(unbounded).orElseThrow().getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_PROCESSING);
        ledger.cancel(unbounded);
    }

    @Test
    void aLateWriteFromAnExpiredLeaseIsRejectedAndTheNewHolderCommitsOnce() {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(JobTypes.NOOP, Map.of());
        JobLedger ledger = ledger();
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        TaskState first = ledger.lease(taskId, "node-a").orElseThrow();
        assertThat(ledger.lease(taskId, "node-b")).isEmpty();

        cluster.clock().advance(Duration.ofSeconds(6));
        LeaseReaper reaper = new LeaseReaper(cluster.ignite(), ledger, cluster.clock());
        assertThat(reaper.sweep()).isEqualTo(1);
        reaper.close();
        TaskState second = ledger.lease(taskId, "node-b").orElseThrow();
        assertThat(second.getFence()).isGreaterThan(first.getFence());
        assertThat(second.getAttempts()).isEqualTo(2);

        assertThatThrownBy(() -> ledger.commit(taskId, "node-a", first.getFence(), TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        ledger.commit(taskId, "node-b", second.getFence(), new TaskCommit("b".getBytes(), List.of(), 0, List.of()));
        assertThatThrownBy(() -> ledger.commit(taskId, "node-b", second.getFence(), TaskCommit.empty()))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.output(taskId).orElseThrow().getNodeId()).isEqualTo("node-b");
        Job done = jobs.get(job.getJobId());
        assertThat(done.getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(done.getTasksDone()).isEqualTo(1);
        List<String> lines = new ArrayList<>();
        jobs.logs(job.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
        assertThat(lines).anyMatch(l -> l.contains("expired; task re-queued"));
    }

    @Test
    void aTaskFailingOnEveryAttemptFailsTheJob() {
        JobsClient jobs = newUser().jobs();
        Job job = jobs.submit(JobTypes.NOOP, Map.of());
        JobLedger ledger = ledger();
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        for (int i = 0; i < cluster.config().jobs().maxAttempts(); i++) {
            TaskState leased = ledger.lease(taskId, "node-a").orElseThrow();
            ledger.fail(taskId, "node-a", leased.getFence(), "boom " + i);
        }
        Job failed = jobs.get(job.getJobId());
        assertThat(failed.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(failed.getErrorMessage()).contains("boom 2");
        assertThat(ledger.task(taskId)).isEmpty();
    }

    @Test
    void anotherUsersJobIsNotFoundAndCallsNeedAUser() {
        JobsClient owner = newUser().jobs();
        Job job = owner.submit(JobTypes.NOOP, Map.of());
        JobsClient stranger = newUser().jobs();
        assertThat(failure(() -> stranger.get(job.getJobId())).code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> stranger.cancel(job.getJobId())).reason()).isEqualTo("JOB_NOT_FOUND");
        assertThat(failure(() -> stranger.watch(job.getJobId()).hasNext()).code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> stranger.logs(job.getJobId(), 0, false).hasNext()).code())
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(stranger.list(ListJobsRequest.getDefaultInstance()).getTotal()).isZero();
        assertThat(failure(() -> cluster.client().jobs().submit(JobTypes.NOOP, Map.of())).code())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(() -> owner.submit("no.such.type", Map.of())).reason()).isEqualTo("UNKNOWN_JOB_TYPE");
        assertThat(failure(() -> owner.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "x"))).reason())
                .isEqualTo("INVALID_JOB_PARAMETERS");
    }

    @Test
    void listFiltersByStatusAndTypeAndPages() {
        JobsClient jobs = newUser().jobs();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(jobs.submit(SubmitJobRequest.newBuilder().setType(JobTypes.NOOP).setDisplayName("n" + i).build())
                    .getJobId());
        }
        Job writer = jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "1"));
        ListJobsResponse all = jobs.list(ListJobsRequest.newBuilder().setLimit(4).build());
        assertThat(all.getTotal()).isEqualTo(6);
        assertThat(all.getJobsCount()).isEqualTo(4);
        assertThat(all.getHasMore()).isTrue();
        ListJobsResponse rest = jobs.list(ListJobsRequest.newBuilder().setLimit(4).setOffset(4).build());
        assertThat(rest.getJobsCount()).isEqualTo(2);
        assertThat(rest.getHasMore()).isFalse();
        assertThat(jobs.list(ListJobsRequest.newBuilder().setType(TestJobs.WRITE_OUTPUTS).build()).getJobsList())
                .extracting(Job::getJobId).containsExactly(writer.getJobId());
        assertThat(jobs.list(ListJobsRequest.newBuilder().addStatuses(JobStatus.JOB_STATUS_PROCESSING).build())
                .getTotal()).isEqualTo(2);
        assertThat(jobs.list(ListJobsRequest.newBuilder().addStatuses(JobStatus.JOB_STATUS_QUEUED).build())
                .getTotal()).isEqualTo(4);
        assertThat(failure(() -> jobs.list(ListJobsRequest.newBuilder().setLimit(501).build())).reason())
                .isEqualTo("INVALID_PAGE");
    }

    private static io.framegrid.sdk.jobs.JobsAsyncClient asyncFor(JobsClient jobs) {
        return jobs.async();
    }

    private static StreamObserver<JobEvent> collector(List<JobEvent> events, CompletableFuture<Void> done) {
        return new StreamObserver<>() {
            @Override public void onNext(JobEvent value) { events.add(value); }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
            @Override public void onCompleted() { done.complete(null); }
        };
    }
}
