package io.framegrid.sdk.jobs;

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
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/** Blocking job calls; failures throw {@link FramegridException}. Streams have no deadline. */
public final class JobsClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public JobsClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    /** The non-blocking twin of this client, with the same credentials. */
    public JobsAsyncClient async() {
        return new JobsAsyncClient(channel, credentials, deadline);
    }

    public Job submit(SubmitJobRequest request) {
        return call(s -> s.submit(request));
    }

    public Job submit(String type, Map<String, String> metadata) {
        return submit(SubmitJobRequest.newBuilder().setType(type).putAllMetadata(metadata).build());
    }

    public Job get(String jobId) {
        return call(s -> s.get(GetJobRequest.newBuilder().setJobId(jobId).build()));
    }

    public ListJobsResponse list(ListJobsRequest request) {
        return call(s -> s.list(request));
    }

    public Job cancel(String jobId) {
        return call(s -> s.cancel(CancelJobRequest.newBuilder().setJobId(jobId).build()));
    }

    /** Events until the job ends; iterating past a failure throws {@link FramegridException}. */
    public Iterator<JobEvent> watch(String jobId) {
        return stream(stub().watch(WatchJobRequest.newBuilder().setJobId(jobId).build()));
    }

    public Iterator<JobLogLine> logs(String jobId, int tail, boolean follow) {
        return stream(stub().logs(JobLogsRequest.newBuilder().setJobId(jobId).setTail(tail).setFollow(follow).build()));
    }

    /** Blocks until the job reaches a terminal state and returns it. */
    public Job awaitTerminal(String jobId) {
        Job last = null;
        Iterator<JobEvent> events = watch(jobId);
        while (events.hasNext()) {
            last = events.next().getJob();
        }
        return last == null ? get(jobId) : last;
    }

    private JobServiceGrpc.JobServiceBlockingStub stub() {
        return CallSupport.prepare(JobServiceGrpc.newBlockingStub(channel), credentials, null);
    }

    private static <T> Iterator<T> stream(Iterator<T> raw) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return raw.hasNext();
                } catch (StatusRuntimeException e) {
                    throw FramegridException.from(e);
                }
            }

            @Override
            public T next() {
                try {
                    return raw.next();
                } catch (StatusRuntimeException e) {
                    throw FramegridException.from(e);
                }
            }
        };
    }

    private <T> T call(Function<JobServiceGrpc.JobServiceBlockingStub, T> body) {
        try {
            return body.apply(CallSupport.prepare(JobServiceGrpc.newBlockingStub(channel), credentials, deadline));
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }
}
