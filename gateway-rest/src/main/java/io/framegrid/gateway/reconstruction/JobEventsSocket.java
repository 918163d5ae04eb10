package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.reconstruction.v1.ProjectJobEvent;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ws://host:8003/ws/jobs/{project_id}}: the project's job events as JSON text frames
 * {@code {event, job_id, project_id, progress, message, timestamp}}, {@code event} one of job_started, job_progress,
 * job_completed, job_failed (a cancelled job is failed with the message "cancelled"). They come from the
 * coordinator's WatchProject stream (the grid's job events), in each job's order. The JWT comes as {@code ?token=}
 * or {@code Authorization: Bearer}; without a valid one, or for a project that is not the caller's, the socket is
 * closed with 1008 (policy violation). Jobs already finished when the socket opens are history, not events.
 */
final class JobEventsSocket {
    private static final Logger log = LoggerFactory.getLogger(JobEventsSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FramegridClient client;

    JobEventsSocket(FramegridClient client) {
        this.client = client;
    }

    WebSocketService service() {
        return WebSocketService.builder(this::handle).allowedOrigins("*").build();
    }

    private WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
        WebSocketWriter out = WebSocket.streaming();
        String token = ctx.queryParam("token");
        if (token == null || token.isBlank()) {
            String auth = ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION);
            token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        }
        long projectId;
        try {
            projectId = Long.parseLong(ctx.pathParam("project_id"));
        } catch (NumberFormatException e) {
            projectId = -1;
        }
        if (token == null || token.isBlank() || projectId <= 0) {
            out.close(WebSocketCloseStatus.POLICY_VIOLATION, token == null || token.isBlank()
                    ? "Authentication required" : "Project not found");
            drain(in, null);
            return out;
        }
        ReconstructionClient recon = new ReconstructionClient(client.withBearerToken(token));
        long project = projectId;
        Context.CancellableContext[] watch = new Context.CancellableContext[1];
        // The project must be the caller's before anything streams: a refusal closes with 1008.
        recon.getAsync(project).whenComplete((p, t) -> {
            if (t != null) {
                out.close(WebSocketCloseStatus.POLICY_VIOLATION, "Project not found");
                return;
            }
            Map<String, Seen> seen = new ConcurrentHashMap<>();
            watch[0] = recon.watchProject(project, new StreamObserver<>() {
                @Override
                public void onNext(ProjectJobEvent event) {
                    synchronized (seen) {
                        String frame = frame(seen, event.getJob(), project);
                        if (frame != null && !out.tryWrite(frame)) {
                            onCompleted();
                        }
                    }
                }

                @Override
                public void onError(Throwable error) {
                    log.debug("Project {} watch ended: {}", project, error.toString());
                    out.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "Job events unavailable");
                }

                @Override
                public void onCompleted() {
                    out.close(WebSocketCloseStatus.NORMAL_CLOSURE, "Project deleted");
                }
            });
        });
        drain(in, () -> {
            if (watch[0] != null) {
                watch[0].cancel(null);
            }
            if (!out.isComplete()) {
                out.close();
            }
        });
        return out;
    }

    private record Seen(JobStatus status, int progress, String step) {}

    /** The event text for this state of {@code job}, or null when it says nothing new. */
    static String frame(Map<String, Seen> seen, Job job, long projectId) {
        Seen before = seen.get(job.getJobId());
        Seen now = new Seen(job.getStatus(), job.getProgress(), job.getCurrentStep());
        boolean terminal = job.getStatus() == JobStatus.JOB_STATUS_COMPLETED
                || job.getStatus() == JobStatus.JOB_STATUS_FAILED || job.getStatus() == JobStatus.JOB_STATUS_CANCELLED;
        String event;
        String message;
        if (before == null) {
            seen.put(job.getJobId(), now);
            if (terminal) {
                return null;
            }
            event = "job_started";
            message = job.getCurrentStep().isEmpty() ? ReconstructionViews.jobType(job.getType()) + " started"
                    : job.getCurrentStep();
        } else {
            if (before.equals(now) || isTerminal(before.status())) {
                return null;
            }
            seen.put(job.getJobId(), now);
            switch (job.getStatus()) {
                case JOB_STATUS_COMPLETED -> {
                    event = "job_completed";
                    message = "Job completed";
                }
                case JOB_STATUS_FAILED -> {
                    event = "job_failed";
                    message = io.framegrid.proto.reconstruction.ReconstructionContract.userError(job.getErrorMessage());
                }
                case JOB_STATUS_CANCELLED -> {
                    event = "job_failed";
                    message = "cancelled";
                }
                default -> {
                    event = "job_progress";
                    message = job.getCurrentStep();
                }
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", event);
        body.put("job_id", job.getJobId());
        body.put("project_id", projectId);
        body.put("progress", job.getProgress());
        body.put("message", message);
        body.put("timestamp", Instant.now().toString());
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isTerminal(JobStatus s) {
        return s == JobStatus.JOB_STATUS_COMPLETED || s == JobStatus.JOB_STATUS_FAILED
                || s == JobStatus.JOB_STATUS_CANCELLED;
    }

    /** Reads (and ignores) what the client sends; runs {@code closed} when it closes or goes away. */
    private static void drain(WebSocket in, Runnable closed) {
        in.subscribe(new Subscriber<WebSocketFrame>() {
            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(WebSocketFrame frame) {
                frame.close();
            }

            @Override
            public void onError(Throwable t) {
                if (closed != null) {
                    closed.run();
                }
            }

            @Override
            public void onComplete() {
                if (closed != null) {
                    closed.run();
                }
            }
        });
    }
}
