package io.framegrid.gateway.reframer;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.gateway.http.Request;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Surface C (reframer) jobs: {@code POST /process}, {@code GET /job/{job_id}}, {@code GET /results/{job_id}},
 * {@code GET /videos} as the spec writes them, plus {@code GET /results/{job_id}/video} (the reframed MP4).
 *
 * <p>Uploads stream: the multipart {@code file} part goes to the coordinator's media store one message at a time
 * as it arrives, never held whole here. A gpu-node then probes it ({@code reframer.probe}), so a video that is too
 * short, too small or unreadable is refused at once with 400; otherwise a {@code reframer.analyze} job is queued.
 * Every route counts against the API key's hourly budget ({@code X-RateLimit-*}, 429 past it); uploads also
 * against its concurrent-upload cap. Both are kept by the coordinator ({@link ClusterLimits}), so they hold across
 * every gateway of the cluster.
 */
public final class ReframerJobRoutes implements SurfaceRoutes {
    static final String PROBE = "reframer.probe";
    static final String ANALYZE = "reframer.analyze";
    private static final Set<String> FORMATS = Set.of("mp4", "mov", "avi", "mkv");
    private static final Pattern ASPECT = Pattern.compile("\\d{1,2}:\\d{1,2}");
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F-]{8,64}");
    /** Multipart framing around the file. */
    private static final long FORM_OVERHEAD_BYTES = 1L << 20;
    /** How long an upload permit outlives a gateway that stopped renewing it (crashed mid-upload). */
    private static final Duration PERMIT_TTL = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(ReframerJobRoutes.class);

    private final FramegridClient client;
    private final FramegridConfig.Gateway.Reframer limits;
    private final ClusterLimits clusterLimits;

    public ReframerJobRoutes(FramegridClient client, FramegridConfig.Gateway.Reframer limits, Clock clock) {
        this.client = client;
        this.limits = limits;
        this.clusterLimits = new ClusterLimits(client, "reframer", limits.requestsPerHour(), Duration.ofHours(1),
                limits.concurrentUploads(), PERMIT_TTL, clock);
    }

    @Override
    public Surface surface() {
        return Surface.REFRAMER;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().post("/process")
                // Unlimited here so the size checks below answer in the spec's words (declared length, then counted).
                .maxRequestLength(0)
                .requestTimeout(Duration.ofMinutes(30))
                .build(processService(endpoints));
        sb.route().get("/job/{job_id}").build(endpoints.of(req -> limited(req).thenCompose(key ->
                job(key, req.pathParam("job_id")).thenApply(job -> Json.response(HttpStatus.OK, status(job))))));
        sb.route().get("/results/{job_id}").build(endpoints.of(req -> limited(req).thenCompose(key ->
                job(key, req.pathParam("job_id")).thenCompose(job -> results(key, job)))));
        sb.route().methods(HttpMethod.GET, HttpMethod.HEAD).path("/results/{job_id}/video")
                .requestTimeout(Duration.ZERO)
                .build(endpoints.of(req -> limited(req).thenCompose(key ->
                        job(key, req.pathParam("job_id")).thenCompose(job -> video(req.ctx(), key, job)))));
        sb.route().get("/videos").build(endpoints.of(req -> limited(req).thenCompose(key -> videos(key, req))));
    }

    private long maxBytes() {
        return (long) limits.maxUploadMb() << 20;
    }

    private String tooLargeMessage() {
        return "File size exceeds " + limits.maxUploadMb() + "MB limit";
    }

    // ---- rate limit ------------------------------------------------------------------------------------

    /** Counts the request against its API key's hourly budget, cluster-wide; the key, or 401/429. */
    private CompletableFuture<String> limited(Request req) {
        return clusterLimits.consume(req.ctx(), ReframerAuthRoutes.apiKey(req));
    }

    // ---- POST /process -----------------------------------------------------------------------------------

    private HttpService processService(Endpoints endpoints) {
        return (ctx, req) -> {
            String rawKey = req.headers().get("x-api-key");
            if (rawKey == null || rawKey.isBlank()) {
                req.abort();
                return endpoints.error(ctx, ApiException.unauthorized("MISSING_API_KEY", "Missing API key"));
            }
            String key = rawKey.trim();
            AtomicReference<ClusterLimits.Permit> permit = new AtomicReference<>();
            CompletableFuture<HttpResponse> result = clusterLimits.consume(ctx, key).thenCompose(k -> {
                long declared = req.headers().contentLength();
                if (declared > maxBytes() + FORM_OVERHEAD_BYTES) {
                    throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", tooLargeMessage());
                }
                // Bad parameters are refused before a byte of the video is read or stored.
                Map<String, String> options = options(ctx);
                MediaType type = req.contentType();
                if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                    throw ApiException.badRequest("INVALID_REQUEST", "Request must be multipart/form-data with a 'file' field");
                }
                return clusterLimits.acquire(ctx, key, "uploads").thenCompose(held -> {
                    permit.set(held);
                    return receiveFile(ctx, Multipart.from(req), key)
                            .thenCompose(m -> discardIfRefused(key, m, () -> process(key, m, options)));
                });
            });
            return HttpResponse.of(result.handle((response, t) -> {
                ClusterLimits.Permit held = permit.get();
                if (held != null) {
                    held.release();
                }
                if (t == null) {
                    return response;
                }
                // Refused before (or while) reading the body: drop what is left of it.
                req.abort();
                return endpoints.error(ctx, t);
            }));
        };
    }

    /** Streams the {@code file} part to the media store; other parts are drained and ignored. */
    private CompletableFuture<Media> receiveFile(ServiceRequestContext ctx, Multipart multipart, String key) {
        CompletableFuture<Media> stored = new CompletableFuture<>();
        multipart.bodyParts().subscribe(new Subscriber<BodyPart>() {
            private Subscription subscription;
            private boolean found;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(BodyPart part) {
                if (found || !"file".equals(part.name())) {
                    // The next part comes only once this one is consumed.
                    part.content().subscribe(new Drain(() -> subscription.request(1)));
                    return;
                }
                found = true;
                String filename = part.filename() == null ? "" : part.filename();
                int dot = filename.lastIndexOf('.');
                String ext = dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(ext)) {
                    part.content().abort();
                    subscription.cancel();
                    stored.completeExceptionally(ApiException.badRequest("INVALID_FORMAT",
                            "Invalid file format. Supported formats: MP4, MOV, AVI, MKV"));
                    return;
                }
                CountingStream in = new CountingStream(part.content().toInputStream(Function.identity()), maxBytes());
                UploadHeader header = UploadHeader.newBuilder().setFilename(filename)
                        .setContentType(part.headers().contentType() == null ? "video/" + ext : part.headers().contentType().toString())
                        .putMetadata("product", "reframer").build();
                client.withApiKey(key).mediaAsync().upload(header, in).whenComplete((m, t) -> {
                    if (t == null) {
                        stored.complete(m);
                        subscription.request(1);
                    } else {
                        subscription.cancel();
                        stored.completeExceptionally(in.exceeded() || isTooLarge(t)
                                ? new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", tooLargeMessage())
                                : t);
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                stored.completeExceptionally(isTooLarge(t)
                        ? new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", tooLargeMessage()) : t);
            }

            @Override
            public void onComplete() {
                if (!found) {
                    stored.completeExceptionally(ApiException.badRequest("MISSING_FILE", "Form field 'file' is required"));
                }
            }
        }, ctx.eventLoop());
        return stored;
    }

    private static boolean isTooLarge(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ContentTooLargeException) {
                return true;
            }
            if (c instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A stored video that ends up with no analysis job (probe refused it, probe timed out, submit failed) would be
     * an orphan nobody can see or delete: remove blob and metadata before answering, so a refusal leaves nothing.
     * Uploads that fail mid-stream (size limit, client gone) never get this far: the store discards them itself.
     */
    private CompletableFuture<HttpResponse> discardIfRefused(String key, Media media,
                                                             Supplier<CompletableFuture<HttpResponse>> next) {
        CompletableFuture<HttpResponse> processing;
        try {
            processing = next.get();
        } catch (RuntimeException e) {
            processing = CompletableFuture.failedFuture(e);
        }
        return processing.<CompletableFuture<HttpResponse>>handle((response, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(response);
            }
            return client.withApiKey(key).mediaAsync().delete(media.getMediaId()).handle((deleted, e) -> {
                if (e != null) {
                    log.warn("Could not delete refused upload {}: {}", media.getMediaId(), e.toString());
                }
                throw t instanceof CompletionException ce ? ce : new CompletionException(t);
            });
        }).thenCompose(Function.identity());
    }

    /** Probes the stored video on a gpu-node, then queues the analysis. */
    private CompletableFuture<HttpResponse> process(String key, Media media, Map<String, String> options) {
        FramegridClient user = client.withApiKey(key);
        return user.jobsAsync().submit(SubmitJobRequest.newBuilder().setType(PROBE).setDisplayName(media.getFilename())
                        .putMetadata("media_id", media.getMediaId()).build())
                .thenCompose(probe -> user.jobsAsync().terminal(probe.getJobId())
                        .orTimeout(limits.probeTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .exceptionally(t -> {
                    if (unwrap(t) instanceof java.util.concurrent.TimeoutException) {
                        throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "PROBE_TIMEOUT",
                                "No compute node could inspect the video in time; retry later");
                    }
                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                })
                .thenCompose(probe -> {
                    if (probe == null || probe.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                        throw ApiException.badRequest("INVALID_VIDEO", cleanError(probe == null ? "" : probe.getErrorMessage()));
                    }
                    return user.mediaAsync().get(media.getMediaId());
                })
                .thenCompose(probed -> {
                    SubmitJobRequest.Builder submit = SubmitJobRequest.newBuilder().setType(ANALYZE)
                            .setDisplayName(media.getFilename()).putAllMetadata(options)
                            .putMetadata("media_id", media.getMediaId());
                    String duration = probed.getProbeMap().get("duration_seconds");
                    if (duration != null) {
                        submit.putMetadata("duration_seconds", duration);
                    }
                    return user.jobsAsync().submit(submit.build());
                })
                .thenApply(job -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("job_id", job.getJobId());
                    body.put("status", "queued");
                    body.put("message", "Video queued for processing");
                    return Json.response(HttpStatus.OK, body);
                });
    }

    /** Optional analysis parameters as query parameters: {@code aspect} (e.g. 9:16), {@code sample_every}, {@code max_frames}. */
    private static Map<String, String> options(ServiceRequestContext ctx) {
        Map<String, String> options = new LinkedHashMap<>();
        String aspect = ctx.queryParam("aspect");
        if (aspect != null) {
            if (!ASPECT.matcher(aspect).matches() || aspect.startsWith("0") || aspect.contains(":0")) {
                throw ApiException.badRequest("INVALID_ASPECT", "aspect must look like 9:16");
            }
            options.put("aspect", aspect);
        }
        for (String name : List.of("sample_every", "max_frames")) {
            String value = ctx.queryParam(name);
            if (value != null) {
                try {
                    int v = Integer.parseInt(value);
                    if (v < (name.equals("sample_every") ? 1 : 0) || v > 100_000) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("INVALID_PARAMETER", name + " must be a non-negative integer");
                }
                options.put(name, value);
            }
        }
        return options;
    }

    /** The task's failure as the user should read it, without the fabric's "Task x failed:" prefix. */
    static String cleanError(String error) {
        String e = error == null ? "" : error.replaceFirst("^Task \\S+ failed: ", "");
        return e.isBlank() ? "Video could not be processed" : e;
    }

    // ---- GET /job, /results, /videos -----------------------------------------------------------------

    /** The caller's reframer job; anything else (another user's, another product's, malformed) is 404. */
    private CompletableFuture<Job> job(String key, String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
            return CompletableFuture.failedFuture(notFound("Job not found"));
        }
        return client.withApiKey(key).jobsAsync().get(jobId).handle((job, t) -> {
            if (t != null) {
                Throwable cause = unwrap(t);
                if (cause instanceof FramegridException fe
                        && (fe.code() == Status.Code.NOT_FOUND || fe.code() == Status.Code.INVALID_ARGUMENT)) {
                    throw notFound("Job not found");
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            if (!ANALYZE.equals(job.getType())) {
                throw notFound("Job not found");
            }
            return job;
        });
    }

    private static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, "NOT_FOUND", message);
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

    private static Map<String, Object> status(Job job) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job_id", job.getJobId());
        String status = status(job.getStatus());
        body.put("status", status);
        body.put("progress_percent", job.getProgress());
        body.put("current_step", switch (status) {
            case "completed" -> "Processing complete";
            case "queued" -> "Waiting to start";
            case "failed" -> "Processing failed";
            default -> job.getCurrentStep();
        });
        body.put("video_id", job.getMetadataMap().getOrDefault("media_id", ""));
        if ("failed".equals(status)) {
            body.put("error_message", job.getStatus() == JobStatus.JOB_STATUS_CANCELLED
                    ? "Job cancelled" : cleanError(job.getErrorMessage()));
        }
        return body;
    }

    private static String ref(Job job, String prefix) {
        return job.getResultRefsList().stream().filter(r -> r.startsWith(prefix)).map(r -> r.substring(prefix.length()))
                .findFirst().orElseThrow(() -> new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "NO_RESULTS",
                        "Job " + job.getJobId() + " completed without " + prefix));
    }

    /** 202 while the job runs; the stored results JSON (the spec's shape) once it completed. */
    private CompletableFuture<HttpResponse> results(String key, Job job) {
        String status = status(job.getStatus());
        if ("failed".equals(status)) {
            throw ApiException.badRequest("JOB_FAILED", "Job failed: " + status(job).get("error_message"));
        }
        if (!"completed".equals(status)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("detail", "Still processing");
            body.put("job_id", job.getJobId());
            body.put("status", status);
            body.put("progress_percent", job.getProgress());
            return CompletableFuture.completedFuture(Json.response(HttpStatus.ACCEPTED, body));
        }
        String resultsId = ref(job, "results:");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CompletableFuture<HttpResponse> done = new CompletableFuture<>();
        client.withApiKey(key).mediaAsync().download(resultsId, 0, 0, new MediaAsyncClient.DownloadSink() {
            @Override
            public CompletionStage<?> onData(ByteString data) {
                bytes.writeBytes(data.toByteArray());
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void onComplete() {
                done.complete(HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.JSON_UTF_8)
                        .build(), HttpData.wrap(bytes.toByteArray())));
            }

            @Override
            public void onError(FramegridException error) {
                done.completeExceptionally(error);
            }
        });
        return done;
    }

    /** Streams the reframed MP4 (GET or HEAD, with ranges), one coordinator message at a time, paced by the client. */
    private CompletableFuture<HttpResponse> video(ServiceRequestContext ctx, String key, Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            throw new ApiException(HttpStatus.NOT_FOUND, "NOT_READY", "Reframed video not available: job is "
                    + status(job.getStatus()));
        }
        String videoId = ref(job, "video:");
        String filename = job.getDisplayName().replaceFirst("\\.[^.]*$", "") + "-reframed.mp4";
        MediaAsyncClient media = client.withApiKey(key).mediaAsync();
        return media.get(videoId).thenApply(m -> MediaDownloads.serve(ctx, new MediaDownloads.Representation(
                        m.getSize(), "video/mp4", m.getSha256(), HttpHeaders.of(HttpHeaderNames.CONTENT_DISPOSITION,
                                "attachment; filename*=UTF-8''"
                                        + URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20"))),
                (offset, length, sink) -> media.download(videoId, offset, length, sink)));
    }

    private CompletableFuture<HttpResponse> videos(String key, Request req) {
        ServiceRequestContext ctx = req.ctx();
        int limit = intParam(ctx.queryParam("limit"), 20, 1, 100, "limit must be between 1 and 100");
        int offset = intParam(ctx.queryParam("offset"), 0, 0, Integer.MAX_VALUE, "offset must be 0 or more");
        ListJobsRequest.Builder list = ListJobsRequest.newBuilder().setType(ANALYZE).setLimit(limit).setOffset(offset);
        String status = ctx.queryParam("status");
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
        return client.withApiKey(key).jobsAsync().list(list.build()).thenApply(page -> {
            List<Object> videos = new ArrayList<>();
            for (Job job : page.getJobsList()) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("id", job.getMetadataMap().getOrDefault("media_id", job.getJobId()));
                v.put("job_id", job.getJobId());
                v.put("filename", job.getDisplayName());
                String s = status(job.getStatus());
                v.put("status", "queued".equals(s) ? "pending" : s);
                String duration = job.getMetadataMap().get("duration_seconds");
                v.put("duration_seconds", duration == null ? null : Double.valueOf(duration));
                v.put("processed_at", job.hasCompletedAt() && job.getStatus() == JobStatus.JOB_STATUS_COMPLETED
                        ? Users.iso(job.getCompletedAt()) : null);
                v.put("created_at", Users.iso(job.getCreatedAt()));
                videos.add(v);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("total", page.getTotal());
            body.put("videos", videos);
            return Json.response(HttpStatus.OK, body);
        });
    }

    private static int intParam(String raw, int fallback, int min, int max, String message) {
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

    /** Stops an upload past the size limit, whatever the declared length said. */
    private static final class CountingStream extends FilterInputStream {
        private final long max;
        private final AtomicLong count = new AtomicLong();
        private volatile boolean exceeded;

        CountingStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        boolean exceeded() {
            return exceeded;
        }

        private int counted(int n) throws IOException {
            if (n > 0 && count.addAndGet(n) > max) {
                exceeded = true;
                throw new IOException("upload exceeds " + max + " bytes");
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return counted(super.read(b, off, len));
        }
    }

    /** Consumes and discards a part nobody reads, then asks for the next one. */
    private static final class Drain implements Subscriber<HttpData> {
        private final Runnable next;

        Drain(Runnable next) {
            this.next = next;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpData data) {
            // Discarded.
        }

        @Override
        public void onError(Throwable t) {
            // The whole request fails through the parts' publisher.
        }

        @Override
        public void onComplete() {
            next.run();
        }
    }
}
