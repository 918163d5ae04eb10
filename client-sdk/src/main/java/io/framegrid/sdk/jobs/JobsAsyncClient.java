package io.framegrid.sdk.jobs;

import com.google.common.util.concurrent.ListenableFuture;
import io.framegrid.proto.jobs.v1.CancelJobRequest;
import io.framegrid.proto.jobs.v1.GetJobRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobLogsRequest;
import io.framegrid.proto.jobs.v1.JobServiceGrpc;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.ListJobsResponse;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.jobs.v1.WatchJobRequest;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Non-blocking job calls; futures fail with {@link FramegridException}. Safe to call from event loops. */
public final class JobsAsyncClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public JobsAsyncClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public CompletableFuture<Job> submit(SubmitJobRequest request) {
        return call(s -> s.submit(request));
    }

    public CompletableFuture<Job> get(String jobId) {
        return call(s -> s.get(GetJobRequest.newBuilder().setJobId(jobId).build()));
    }

    public CompletableFuture<ListJobsResponse> list(ListJobsRequest request) {
        return call(s -> s.list(request));
    }

    public CompletableFuture<Job> cancel(String jobId) {
        return call(s -> s.cancel(CancelJobRequest.newBuilder().setJobId(jobId).build()));
    }

    /** Pushes every event of the job to {@code observer} (errors arrive as gRPC status exceptions). */
    public void watch(String jobId, StreamObserver<JobEvent> observer) {
        asyncStub().watch(WatchJobRequest.newBuilder().setJobId(jobId).build(), observer);
    }

    public void logs(String jobId, int tail, boolean follow, StreamObserver<JobLogLine> observer) {
        asyncStub().logs(JobLogsRequest.newBuilder().setJobId(jobId).setTail(tail).setFollow(follow).build(), observer);
    }

    /** Completes with the job's terminal state, pushed by Watch. */
    public CompletableFuture<Job> terminal(String jobId) {
        CompletableFuture<Job> result = new CompletableFuture<>();
        watch(jobId, new StreamObserver<>() {
            private Job last;

            @Override
            public void onNext(JobEvent event) {
                last = event.getJob();
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                result.complete(last);
            }
        });
        return result;
    }

    /**
     * Submits {@code request} and completes with the job's terminal state. Past {@code timeout} (zero = none) it
     * fails with {@code UNAVAILABLE} and {@code timeoutReason}: no compute node finished it in time. The job itself
     * is left to the fabric (its own limits end it).
     */
    public CompletableFuture<Job> runToEnd(SubmitJobRequest request, Duration timeout, String timeoutReason,
            String timeoutMessage) {
        CompletableFuture<Job> run = submit(request).thenCompose(job -> terminal(job.getJobId()));
        if (timeout.isZero()) {
            return run;
        }
        return run.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionally(t -> {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof TimeoutException) {
                throw new FramegridException(Status.Code.UNAVAILABLE, timeoutReason, timeoutMessage, t);
            }
            throw t instanceof CompletionException ce ? ce : new CompletionException(t);
        });
    }

    private JobServiceGrpc.JobServiceStub asyncStub() {
        JobServiceGrpc.JobServiceStub stub = JobServiceGrpc.newStub(channel);
        return credentials == null ? stub : stub.withCallCredentials(credentials);
    }

    private <T> CompletableFuture<T> call(Function<JobServiceGrpc.JobServiceFutureStub, ListenableFuture<T>> body) {
        return CallSupport.toCompletable(body.apply(
                CallSupport.prepare(JobServiceGrpc.newFutureStub(channel), credentials, deadline)));
    }
}
