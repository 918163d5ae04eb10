package io.framegrid.gateway.studio.live;

import io.framegrid.gateway.studio.StudioJobRoutes;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.WatchJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.studio.StudioClient;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.socket.socketio.server.SocketIoSocket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.json.JSONObject;

/**
 * One authenticated Socket.IO connection's job events. {@code subscribe_job {job_id}} checks the job is one of the
 * user's studio jobs (otherwise an {@code error} event {@code {job_id, code, message}}, nothing else), then opens the
 * coordinator's Watch stream of the job: its first event is the job's current state, every later one a change
 * pushed by the grid, in order, until the job ends; each becomes a {@code job_update}
 * {@code {job_id, status, progress, message, timestamp}} when status, progress or message differ from the last one
 * sent. So a subscriber that comes late still gets the final state. {@code unsubscribe_job {job_id}} cancels the
 * stream. A user receives updates only of the jobs they subscribed to on that connection: nothing is pushed
 * unsubscribed. Both events answer an acknowledgement callback, when the client passes one, with
 * {@code {ok: true}} or the error.
 */
final class JobChannel {
    private final FramegridClient caller;
    private final SocketIoSocket socket;
    private final Map<String, ClientCallStreamObserver<?>> watches = new ConcurrentHashMap<>();
    /** The connection's event loop: engine.io is driven from one thread per connection. */
    private final Executor loop;

    JobChannel(FramegridClient caller, SocketIoSocket socket, Executor loop) {
        this.caller = caller;
        this.socket = socket;
        this.loop = loop;
    }

    void start() {
        socket.on("subscribe_job", args -> subscribe(jobId(args), ack(args)));
        socket.on("unsubscribe_job", args -> {
            String jobId = jobId(args);
            ClientCallStreamObserver<?> watch = jobId == null ? null : watches.remove(jobId);
            if (watch != null) {
                watch.cancel("unsubscribed", null);
            }
            answer(ack(args), jobId == null ? error(null, "INVALID_JOB_ID", "job_id is required") : ok(jobId));
        });
        socket.on("disconnect", args -> {
            watches.values().forEach(w -> w.cancel("disconnected", null));
            watches.clear();
        });
    }

    private void subscribe(String jobId, SocketIoSocket.ReceivedByLocalAcknowledgementCallback ack) {
        if (jobId == null) {
            fail(ack, error(null, "INVALID_JOB_ID", "job_id is required"));
            return;
        }
        if (watches.containsKey(jobId)) {
            answer(ack, ok(jobId));
            return;
        }
        caller.product(StudioClient.class).jobAsync(jobId).whenComplete((job, t) -> {
            if (t != null) {
                Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                String code = c instanceof FramegridException fe && !fe.reason().isEmpty() ? fe.reason() : "JOB_NOT_FOUND";
                fail(ack, error(jobId, code, c instanceof FramegridException fe ? fe.getMessage() : "Job not found"));
                return;
            }
            watch(jobId);
            answer(ack, ok(jobId));
        });
    }

    private void watch(String jobId) {
        caller.jobsAsync().watch(jobId, new ClientResponseObserver<WatchJobRequest, JobEvent>() {
            private JSONObject last;
            private ClientCallStreamObserver<WatchJobRequest> stream;

            @Override
            public void beforeStart(ClientCallStreamObserver<WatchJobRequest> stream) {
                this.stream = stream;
                watches.put(jobId, stream);
            }

            @Override
            public void onNext(JobEvent event) {
                Job job = event.getJob();
                String status = StudioJobRoutes.status(job);
                String message = job.getCurrentStep();
                if (last != null && last.getString("status").equals(status) && last.getInt("progress") == job.getProgress()
                        && last.getString("message").equals(message)) {
                    return;
                }
                last = new JSONObject().put("job_id", jobId).put("status", status).put("progress", job.getProgress())
                        .put("message", message)
                        .put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                JSONObject update = last;
                // A cancelled call may still deliver what was in flight; unsubscribe runs on the loop, so checking
                // there that this call is still the job's watch drops anything that arrives after it.
                loop.execute(() -> {
                    if (watches.get(jobId) == stream) {
                        socket.send("job_update", update);
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                loop.execute(() -> watches.remove(jobId, stream));
            }

            @Override
            public void onCompleted() {
                // After the final update on the loop, so that send still sees this call as the job's watch.
                loop.execute(() -> watches.remove(jobId, stream));
            }
        });
    }

    private void fail(SocketIoSocket.ReceivedByLocalAcknowledgementCallback ack, JSONObject error) {
        loop.execute(() -> socket.send("error", error));
        answer(ack, error);
    }

    private void answer(SocketIoSocket.ReceivedByLocalAcknowledgementCallback ack, JSONObject body) {
        if (ack != null) {
            loop.execute(() -> ack.sendAcknowledgement(body));
        }
    }

    private static JSONObject ok(String jobId) {
        return new JSONObject().put("ok", true).put("job_id", jobId);
    }

    private static JSONObject error(String jobId, String code, String message) {
        JSONObject e = new JSONObject().put("code", code).put("message", message);
        if (jobId != null) {
            e.put("job_id", jobId);
        }
        return e;
    }

    private static String jobId(Object[] args) {
        if (args.length > 0 && args[0] instanceof JSONObject o) {
            String id = o.optString("job_id", "").trim();
            return id.isEmpty() ? null : id;
        }
        if (args.length > 0 && args[0] instanceof String s && !s.isBlank()) {
            return s.trim();
        }
        return null;
    }

    private static SocketIoSocket.ReceivedByLocalAcknowledgementCallback ack(Object[] args) {
        return args.length > 0 && args[args.length - 1] instanceof SocketIoSocket.ReceivedByLocalAcknowledgementCallback a
                ? a : null;
    }
}
