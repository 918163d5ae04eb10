package io.framegrid.gateway.reframer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Head;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Param;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import io.framegrid.sdk.reframer.ReframerClient;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Surface C's read routes as the spec writes them: {@code GET /job/{job_id}}, {@code GET /results/{job_id}},
 * {@code GET /videos}, plus {@code GET|HEAD /results/{job_id}/video} (the reframed MP4, with ranges). Every route
 * counts against the API key's hourly budget, kept cluster-wide by {@link ClusterLimits}. A job that is not the
 * caller's reframer analysis is 404, whoever's it is.
 */
public final class ReframerQueries {
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F-]{8,64}");

    private final FramegridClient client;
    private final ReframerResultsJson json = new ReframerResultsJson();

    ReframerQueries(FramegridClient client) {
        this.client = client;
    }

    /** {@code GET /job/{job_id}}: the job's state. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobStatusBody(@JsonProperty("job_id") String jobId, String status,
            @JsonProperty("progress_percent") int progressPercent, @JsonProperty("current_step") String currentStep,
            @JsonProperty("video_id") String videoId, @JsonProperty("error_message") @Nullable String errorMessage) {}

    /** {@code GET /results/{job_id}} while the job runs (202). */
    record StillProcessing(String detail, @JsonProperty("job_id") String jobId, String status,
            @JsonProperty("progress_percent") int progressPercent) {}

    /** One entry of {@code GET /videos}; {@code duration_seconds} and {@code processed_at} are null until known. */
    record Video(String id, @JsonProperty("job_id") String jobId, String filename, String status,
            @JsonProperty("duration_seconds") @Nullable Double durationSeconds,
            @JsonProperty("processed_at") @Nullable String processedAt,
            @JsonProperty("created_at") String createdAt) {}

    record VideoList(long total, List<Video> videos) {}

    @Get("/job/{job_id}")
    @Description("Polls an analysis job: status, progress, current step; error_message once failed.")
    public CompletableFuture<HttpResponse> job(ServiceRequestContext ctx, @Param("job_id") String jobId,
            @Header("x-api-key") @Nullable String apiKey) {
        return limited(ctx, apiKey).thenCompose(key -> job(key, jobId))
                .thenApply(job -> HttpResponse.ofJson(status(job)));
    }

    @Get("/results/{job_id}")
    @Description("The results of a completed analysis (detections, masks as RLE, tracks, scenes); 202 while it runs.")
    public CompletableFuture<HttpResponse> results(ServiceRequestContext ctx, @Param("job_id") String jobId,
            @Header("x-api-key") @Nullable String apiKey) {
        return limited(ctx, apiKey).thenCompose(key -> job(key, jobId).thenCompose(job -> results(ctx, key, job)));
    }

    @Get("/results/{job_id}/video")
    @Head("/results/{job_id}/video")
    @Description("The reframed MP4 of a completed analysis; HEAD, ETag and byte ranges (one or several).")
    public CompletableFuture<HttpResponse> video(ServiceRequestContext ctx, @Param("job_id") String jobId,
            @Header("x-api-key") @Nullable String apiKey) {
        // A download lasts as long as the client reads.
        ctx.clearRequestTimeout();
        return limited(ctx, apiKey).thenCompose(key -> job(key, jobId).thenCompose(job -> video(ctx, key, job)));
    }

    @Get("/videos")
    @Description("The caller's analysed videos, newest first; status filter pending|processing|completed|failed.")
    public CompletableFuture<HttpResponse> videos(ServiceRequestContext ctx,
            @Header("x-api-key") @Nullable String apiKey, @Param("status") @Nullable String status,
            @Param("limit") @Nullable String limit, @Param("offset") @Nullable String offset) {
        return limited(ctx, apiKey).thenCompose(key -> client.withApiKey(key).jobsAsync()
                        .list(listRequest(status, limit, offset)))
                .thenApply(page -> HttpResponse.ofJson(new VideoList(page.getTotal(),
                        page.getJobsList().stream().map(ReframerQueries::video).toList())));
    }

    private CompletableFuture<String> limited(ServiceRequestContext ctx, @Nullable String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return CompletableFuture.failedFuture(ApiException.unauthorized("MISSING_API_KEY", "Missing API key"));
        }
        // Already counted against the key's hourly budget by the route's throttling decorator.
        return CompletableFuture.completedFuture(apiKey.trim());
    }

    /** The caller's reframer job; anything else (another user's, another product's, malformed) is 404. */
    private CompletableFuture<Job> job(String key, String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
            return CompletableFuture.failedFuture(notFound());
        }
        return client.withApiKey(key).jobsAsync().get(jobId).handle((job, t) -> {
            if (t != null) {
                Throwable cause = unwrap(t);
                if (cause instanceof FramegridException fe
                        && (fe.code() == Status.Code.NOT_FOUND || fe.code() == Status.Code.INVALID_ARGUMENT)) {
                    throw notFound();
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            if (!ReframerContract.ANALYZE.equals(job.getType())) {
                throw notFound();
            }
            return job;
        });
    }

    private static ApiException notFound() {
        return new ApiException(HttpStatus.NOT_FOUND, "NOT_FOUND", "Job not found");
    }

    static String status(JobStatus s) {
        switch (s) {
            case JOB_STATUS_PROCESSING: return "processing";
            case JOB_STATUS_COMPLETED: return "completed";
            case JOB_STATUS_FAILED:
            case JOB_STATUS_CANCELLED: return "failed";
            default: return "queued";
        }
    }

    private static JobStatusBody status(Job job) {
        String status = status(job.getStatus());
        String step = switch (status) {
            case "completed" -> "Processing complete";
            case "queued" -> "Waiting to start";
            case "failed" -> "Processing failed";
            default -> job.getCurrentStep();
        };
        return new JobStatusBody(job.getJobId(), status, job.getProgress(), step,
                job.getMetadataMap().getOrDefault(ReframerContract.MEDIA_ID, ""),
                "failed".equals(status) ? errorMessage(job) : null);
    }

    private static String errorMessage(Job job) {
        return job.getStatus() == JobStatus.JOB_STATUS_CANCELLED ? "Job cancelled"
                : ReframerContract.userError(job.getErrorMessage());
    }

    /** 202 while the job runs; the spec's JSON rendered from the stored results message once it completed. */
    private CompletableFuture<HttpResponse> results(ServiceRequestContext ctx, String key, Job job) {
        String status = status(job.getStatus());
        if ("failed".equals(status)) {
            throw ApiException.badRequest("JOB_FAILED", "Job failed: " + errorMessage(job));
        }
        if (!"completed".equals(status)) {
            return CompletableFuture.completedFuture(HttpResponse.ofJson(HttpStatus.ACCEPTED,
                    new StillProcessing("Still processing", job.getJobId(), status, job.getProgress())));
        }
        return ReframerClient.resultsOf(client.withApiKey(key).mediaAsync(), job).thenApply(results ->
                HttpResponse.of(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8),
                        StreamMessage.fromOutputStream(out -> {
                            try (out) {
                                json.write(results, out);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }, ctx.blockingTaskExecutor())));
    }

    /** Streams the reframed MP4 (GET or HEAD, with ranges), one coordinator message at a time, paced by the client. */
    private CompletableFuture<HttpResponse> video(ServiceRequestContext ctx, String key, Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            throw new ApiException(HttpStatus.NOT_FOUND, "NOT_READY", "Reframed video not available: job is "
                    + status(job.getStatus()));
        }
        String videoId = ReframerContract.ref(job, ReframerContract.VIDEO_REF).orElseThrow(() -> new ApiException(
                HttpStatus.INTERNAL_SERVER_ERROR, "NO_RESULTS", "Job " + job.getJobId() + " has no reframed video"));
        String filename = job.getDisplayName().replaceFirst("\\.[^.]*$", "") + "-reframed.mp4";
        MediaAsyncClient media = client.withApiKey(key).mediaAsync();
        return media.get(videoId).thenApply(m -> MediaDownloads.serve(ctx, new MediaDownloads.Representation(
                        m.getSize(), "video/mp4", m.getSha256(), HttpHeaders.of(HttpHeaderNames.CONTENT_DISPOSITION,
                                "attachment; filename*=UTF-8''"
                                        + URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20"))),
                (offset, length, sink) -> media.download(videoId, offset, length, sink)));
    }

    private static ListJobsRequest listRequest(@Nullable String status, @Nullable String limit,
            @Nullable String offset) {
        ListJobsRequest.Builder list = ListJobsRequest.newBuilder().setType(ReframerContract.ANALYZE)
                .setLimit(intParam(limit, 20, 1, 100, "limit must be between 1 and 100"))
                .setOffset(intParam(offset, 0, 0, Integer.MAX_VALUE, "offset must be 0 or more"));
        if (status != null) {
            switch (status) {
                case "pending" -> list.addStatuses(JobStatus.JOB_STATUS_QUEUED);
                case "processing" -> list.addStatuses(JobStatus.JOB_STATUS_PROCESSING);
                case "completed" -> list.addStatuses(JobStatus.JOB_STATUS_COMPLETED);
                case "failed" -> list.addStatuses(JobStatus.JOB_STATUS_FAILED).addStatuses(JobStatus.JOB_STATUS_CANCELLED);
                default -> throw ApiException.badRequest("INVALID_STATUS",
                        "status must be one of pending, processing, completed, failed");
            }
        }
        return list.build();
    }

    private static Video video(Job job) {
        String s = status(job.getStatus());
        String duration = job.getMetadataMap().get(ReframerContract.DURATION_SECONDS);
        return new Video(job.getMetadataMap().getOrDefault(ReframerContract.MEDIA_ID, job.getJobId()), job.getJobId(),
                job.getDisplayName(), "queued".equals(s) ? "pending" : s,
                duration == null ? null : Double.valueOf(duration),
                job.hasCompletedAt() && job.getStatus() == JobStatus.JOB_STATUS_COMPLETED
                        ? iso(job.getCompletedAt()) : null,
                iso(job.getCreatedAt()));
    }

    /** The spec's timestamps: ISO-8601 UTC to the second ({@code 2026-01-28T10:30:00Z}). */
    private static String iso(Timestamp ts) {
        return Timestamps.toString(Timestamp.newBuilder().setSeconds(ts.getSeconds()).build());
    }

    private static int intParam(@Nullable String raw, int fallback, int min, int max, String message) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw ApiException.badRequest("INVALID_PARAMETER", message);
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("INVALID_PARAMETER", message);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
