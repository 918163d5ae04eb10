package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.ListStudioJobsRequest;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Surface B's jobs: {@code GET /api/v1/jobs} (status filter, limit 1..100 default 20, offset, with {@code total},
 * {@code has_more}), {@code GET /api/v1/jobs/{job_id}} (the spec's detail) and {@code DELETE /api/v1/jobs/{job_id}}
 * (queued only; refunds the reservation). Another user's job is 404. A completed job's {@code result_url} is the
 * studio's own authenticated download route {@code /api/v1/files/{file_id}} (GET/HEAD, Range, If-Range), or a
 * presigned URL of the blob when the media store is S3.
 */
public final class StudioJobRoutes implements SurfaceRoutes {
    static final String FILES_PATH = "/api/v1/files/";

    private final Jobs jobs;
    private final StudioLimits limits;

    StudioJobRoutes(FramegridClient client, StudioLimits limits) {
        this.jobs = new Jobs(client);
        this.limits = limits;
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).decorator(endpoints.throttled(limits.perTier())).build(jobs);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(jobs));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleHeaders(Jobs.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobSummary(String jobId, String displayName, String jobType, String status, int progress,
                             String createdAt, String completedAt, String resultUrl) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobPage(List<JobSummary> jobs, long total, int limit, int offset, boolean hasMore) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobDetail(String jobId, String userId, String displayName, String jobType, String status,
                            int progress, String message, String createdAt, String startedAt, String completedAt,
                            Long processingTimeSeconds, String resultUrl, Long resultSizeBytes, String errorMessage,
                            long creditsUsed, long creditsReserved, Map<String, Object> metadata) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Cancelled(String message, long creditsRefunded) {}

    /** The spec's four statuses, plus {@code cancelled} for a job cancelled while queued (the spec names none). */
    public static String status(Job job) {
        return switch (job.getStatus()) {
            case JOB_STATUS_QUEUED -> "queued";
            case JOB_STATUS_PROCESSING -> "processing";
            case JOB_STATUS_COMPLETED -> "completed";
            case JOB_STATUS_CANCELLED -> "cancelled";
            default -> "failed";
        };
    }

    static String resultUrl(ServiceRequestContext ctx, StudioJob j) {
        if (j.getResultMediaId().isEmpty()) {
            return null;
        }
        if (!j.getResultUrl().isEmpty()) {
            return j.getResultUrl();
        }
        String path = FILES_PATH + URLEncoder.encode(j.getResultMediaId(), StandardCharsets.UTF_8);
        String authority = ctx.request().authority();
        return authority == null ? path : (ctx.sessionProtocol().isTls() ? "https" : "http") + "://" + authority + path;
    }

    static JobDetail detail(ServiceRequestContext ctx, StudioJob j) {
        Job job = j.getJob();
        Map<String, Object> metadata = new LinkedHashMap<>();
        job.getMetadataMap().entrySet().stream()
                .filter(e -> e.getKey().startsWith(StudioContract.DETAIL_PREFIX))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> metadata.put(e.getKey().substring(StudioContract.DETAIL_PREFIX.length()), number(e.getValue())));
        metadata.putIfAbsent("video_duration", j.getCharge().getDurationSeconds());
        Long processing = job.hasStartedAt() && job.hasCompletedAt()
                ? Math.max(0, job.getCompletedAt().getSeconds() - job.getStartedAt().getSeconds()) : null;
        return new JobDetail(job.getJobId(), job.getOwnerId(), job.getDisplayName(), j.getJobType(), status(job),
                job.getProgress(), job.getCurrentStep(), Users.iso(job.getCreatedAt()),
                job.hasStartedAt() ? Users.iso(job.getStartedAt()) : null,
                job.hasCompletedAt() ? Users.iso(job.getCompletedAt()) : null, processing, resultUrl(ctx, j),
                j.getResultMediaId().isEmpty() ? null : j.getResultSizeBytes(),
                job.getErrorMessage().isEmpty() ? null : job.getErrorMessage(), j.getCreditsUsed(),
                j.getCharge().getCredits(), metadata);
    }

    /** Detail values as sent: numbers stay numbers in the JSON. */
    private static Object number(String v) {
        try {
            return v.contains(".") ? (Object) Double.parseDouble(v) : (Object) Long.parseLong(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    static int intParam(String name, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_PARAMETER",
                "Query parameter '" + name + "' must be an integer in " + min + ".." + max,
                Map.of("parameter", name, "value", raw));
    }

    @Description("Studio (B) jobs, on the studio port; bearer token; per-tier requests per minute")
    public static final class Jobs {
        private final FramegridClient client;

        Jobs(FramegridClient client) {
            this.client = client;
        }

        private StudioClient studio(RequestHeaders headers) {
            return client.withBearerToken(Credentials.bearer(headers)).product(StudioClient.class);
        }

        @Get("/api/v1/jobs")
        @Description("The caller's jobs, newest first: status (queued, processing, completed, failed, cancelled), "
                + "limit 1..100 (default 20), offset")
        public CompletableFuture<JobPage> list(ServiceRequestContext ctx, RequestHeaders headers,
                                               @Param("status") @Nullable String status,
                                               @Param("limit") @Nullable String limit,
                                               @Param("offset") @Nullable String offset) {
            int l = intParam("limit", limit, 20, 1, 100);
            int o = intParam("offset", offset, 0, 0, Integer.MAX_VALUE);
            ListStudioJobsRequest.Builder request = ListStudioJobsRequest.newBuilder().setLimit(l).setOffset(o);
            if (status != null && !status.isBlank()) {
                request.addStatuses(switch (status.trim()) {
                    case "queued" -> JobStatus.JOB_STATUS_QUEUED;
                    case "processing" -> JobStatus.JOB_STATUS_PROCESSING;
                    case "completed" -> JobStatus.JOB_STATUS_COMPLETED;
                    case "failed" -> JobStatus.JOB_STATUS_FAILED;
                    case "cancelled" -> JobStatus.JOB_STATUS_CANCELLED;
                    default -> throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_PARAMETER",
                            "status must be one of queued, processing, completed, failed, cancelled",
                            Map.of("parameter", "status", "value", status));
                });
            }
            return studio(headers).listAsync(request.build()).thenApply(page -> new JobPage(
                    page.getJobsList().stream().map(j -> new JobSummary(j.getJob().getJobId(),
                            j.getJob().getDisplayName(), j.getJobType(), status(j.getJob()), j.getJob().getProgress(),
                            Users.iso(j.getJob().getCreatedAt()),
                            j.getJob().hasCompletedAt() ? Users.iso(j.getJob().getCompletedAt()) : null,
                            resultUrl(ctx, j))).toList(),
                    page.getTotal(), l, o, page.getHasMore()));
        }

        @Get("/api/v1/jobs/{job_id}")
        @Description("One of the caller's jobs in detail; 404 for anyone else's")
        public CompletableFuture<JobDetail> get(ServiceRequestContext ctx, RequestHeaders headers,
                                                @Param("job_id") String jobId) {
            return studio(headers).jobAsync(jobId).thenApply(j -> detail(ctx, j));
        }

        @Delete("/api/v1/jobs/{job_id}")
        @Description("Cancels a queued job and refunds its credits; 400 once it is processing or has ended")
        public CompletableFuture<Cancelled> cancel(RequestHeaders headers, @Param("job_id") String jobId) {
            return studio(headers).cancelAsync(jobId).thenApply(c ->
                    new Cancelled("Job cancelled successfully", c.getCreditsRefunded()));
        }
    }
}
