package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.StatusCode;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.StreamedFileUpload;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.studio.StudioClient;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Surface B's GhostCut submissions: {@code POST /api/v1/video-editors/ghostcut/simple-inpaint} ({@code file},
 * {@code display_name}, {@code auto_detect}) and {@code .../annotated-inpaint} ({@code file}, {@code annotations},
 * {@code display_name}). The file streams into the caller's media as it arrives (MP4, MOV, AVI, MKV, WEBM; the
 * tier's size limit → 413); a gpu-node reads its duration ({@code studio.probe}, outside the user's job slots), whose
 * started seconds are the job's credits (the README's rule); the job is then stored with its credits reserved in one
 * transaction (403 {@code INSUFFICIENT_CREDITS} when the balance cannot cover it). Whatever refuses the submission
 * after the upload deletes the upload again. Answers 201 with the job and its {@code estimated_credits}.
 */
public final class StudioGhostCutRoutes implements SurfaceRoutes {
    /** The largest tier's file limit (5 GB): the tier's own limit is the media store's, per user. */
    static final int MAX_UPLOAD_MB = 5 * 1024;
    /** Most annotation areas one job may carry. */
    static final int MAX_ANNOTATIONS = 1000;

    private final GhostCut ghostCut;
    private final StudioLimits limits;

    StudioGhostCutRoutes(FramegridClient client, StudioLimits limits, Duration probeTimeout) {
        this.ghostCut = new GhostCut(client, probeTimeout);
        this.limits = limits;
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        // Unlimited here so size errors are answered in B's format (the tier's limit, counted by the media store).
        endpoints.annotated(sb).decorator(endpoints.throttled(limits.perTier())).maxRequestLength(0)
                .requestTimeout(Duration.ofMinutes(30)).build(ghostCut);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(ghostCut));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleHeaders(GhostCut.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Submitted(String jobId, String status, String message, long estimatedCredits, double videoDuration) {}

    @Description("Studio (B) GhostCut text removal, on the studio port; bearer token; multipart/form-data")
    public static final class GhostCut {
        private final FramegridClient client;
        private final Duration probeTimeout;
        private final StreamedFileUpload<Media> video = new StreamedFileUpload<>("file",
                List.of("mp4", "mov", "avi", "mkv", "webm"), "video/", MAX_UPLOAD_MB);

        GhostCut(FramegridClient client, Duration probeTimeout) {
            this.client = client;
            this.probeTimeout = probeTimeout;
        }

        @Post("/api/v1/video-editors/ghostcut/simple-inpaint")
        @StatusCode(201)
        @Description("Text removal over the whole video: file (required), display_name, auto_detect (default true); "
                + "credits = started seconds of the video; 403 when the balance cannot cover them")
        public CompletableFuture<Submitted> simple(ServiceRequestContext ctx, HttpRequest req) {
            return submit(ctx, req, StudioContract.GHOSTCUT_SIMPLE);
        }

        @Post("/api/v1/video-editors/ghostcut/annotated-inpaint")
        @StatusCode(201)
        @Description("Text removal in the given areas: file, annotations (JSON array of {start_time, end_time, "
                + "bbox {x, y, width, height}, type: erasure}; required), display_name")
        public CompletableFuture<Submitted> annotated(ServiceRequestContext ctx, HttpRequest req) {
            return submit(ctx, req, StudioContract.GHOSTCUT_ANNOTATED);
        }

        private CompletableFuture<Submitted> submit(ServiceRequestContext ctx, HttpRequest req, String type) {
            CompletableFuture<Submitted> answer;
            try {
                String token = Credentials.bearer(req.headers());
                MediaType ct = req.contentType();
                if (ct == null || !ct.is(MediaType.MULTIPART_FORM_DATA) || ct.parameters().get("boundary") == null) {
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "UNSUPPORTED_CONTENT_TYPE",
                            "Request body must be multipart/form-data with a 'file' field");
                }
                StudioClient studio = client.withBearerToken(token).product(StudioClient.class);
                Map<String, String> fields = new ConcurrentHashMap<>();
                answer = video.receive(ctx, Multiparts.from(req), store(studio), fields)
                        .thenCompose(m -> guarded(() -> submitStored(studio, m, fields, type))
                                .handle((job, t) -> t == null ? CompletableFuture.completedFuture(job)
                                        : studio.discardAsync(m.getMediaId()).<Submitted>thenApply(v -> {
                                            throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                                        }))
                                .thenCompose(f -> f));
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            return answer.exceptionally(t -> {
                throw translate(t);
            }).whenComplete((done, t) -> {
                if (t != null) {
                    req.abort();
                }
            });
        }

        private CompletableFuture<Submitted> submitStored(StudioClient studio, Media m, Map<String, String> fields,
                                                          String type) {
            SubmitStudioJobRequest.Builder request = SubmitStudioJobRequest.newBuilder().setJobType(type)
                    .setInputMediaId(m.getMediaId());
            String name = fields.getOrDefault("display_name", "").trim();
            if (!name.isEmpty()) {
                request.setDisplayName(name);
            }
            if (type.equals(StudioContract.GHOSTCUT_SIMPLE)) {
                String auto = fields.getOrDefault("auto_detect", "true").trim().toLowerCase(java.util.Locale.ROOT);
                if (!auto.equals("true") && !auto.equals("false")) {
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD",
                            "Field 'auto_detect' must be true or false", Map.of("field", "auto_detect"));
                }
                request.putParameters(StudioContract.AUTO_DETECT, auto);
            } else {
                int count = annotations(fields.get("annotations"));
                request.putParameters(StudioContract.ANNOTATIONS, fields.get("annotations").trim())
                        .putParameters(StudioContract.AUTO_DETECT, "false")
                        .putMetadata("annotations_count", Integer.toString(count));
            }
            return studio.probeAsync(m.getMediaId(), probeTimeout).thenCompose(probed -> {
                request.setDurationSeconds(probed.getDurationSeconds())
                        .putMetadata("video_duration", Double.toString(probed.getDurationSeconds()));
                return studio.submitAsync(request.build());
            }).thenApply(j -> submitted(j));
        }

        /** A refusal thrown while building the submission fails the future, so the upload is discarded too. */
        private static <T> CompletableFuture<T> guarded(java.util.function.Supplier<CompletableFuture<T>> body) {
            try {
                return body.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private static Submitted submitted(StudioJob j) {
            return new Submitted(j.getJob().getJobId(), StudioJobRoutes.status(j.getJob()), "Job queued successfully",
                    j.getCharge().getCredits(), j.getCharge().getDurationSeconds());
        }

        private static StreamedFileUpload.Store<Media> store(StudioClient studio) {
            return new StreamedFileUpload.Store<>() {
                @Override
                public CompletableFuture<Media> upload(InputStream content, String filename, String contentType) {
                    return studio.uploadAsync(content, filename, contentType);
                }

                @Override
                public CompletableFuture<?> discard(Media stored) {
                    return studio.discardAsync(stored.getMediaId());
                }
            };
        }
    }

    /** Checks the spec's annotation array; returns how many areas it names. */
    static int annotations(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD", "Field 'annotations' is required",
                    Map.of("field", "annotations"));
        }
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw invalidAnnotations("Field 'annotations' must be a JSON array", -1);
        }
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw invalidAnnotations("Field 'annotations' must be a non-empty JSON array", -1);
        }
        if (array.size() > MAX_ANNOTATIONS) {
            throw invalidAnnotations("At most " + MAX_ANNOTATIONS + " annotations", -1);
        }
        for (int i = 0; i < array.size(); i++) {
            JsonNode a = array.get(i);
            JsonNode box = a.get("bbox");
            if (!a.path("start_time").isNumber() || !a.path("end_time").isNumber()
                    || a.get("start_time").asDouble() < 0 || a.get("end_time").asDouble() <= a.get("start_time").asDouble()) {
                throw invalidAnnotations("Annotation end_time must be greater than start_time (both seconds, >= 0)", i);
            }
            if (box == null || !box.path("x").isNumber() || !box.path("y").isNumber() || !box.path("width").isNumber()
                    || !box.path("height").isNumber() || box.get("x").asDouble() < 0 || box.get("y").asDouble() < 0
                    || box.get("width").asDouble() <= 0 || box.get("height").asDouble() <= 0) {
                throw invalidAnnotations("Annotation bbox needs x, y >= 0 and width, height > 0", i);
            }
            if (!"erasure".equals(a.path("type").asText("erasure"))) {
                throw invalidAnnotations("Annotation type must be \"erasure\"", i);
            }
        }
        return array.size();
    }

    private static ApiException invalidAnnotations(String message, int index) {
        return new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_ANNOTATIONS", message,
                index < 0 ? Map.of("field", "annotations") : Map.of("field", "annotations", "annotation_index", index));
    }

    /** The coordinator's words in the spec's codes: 413 over the tier's file limit, 400 for an unreadable video. */
    private static RuntimeException translate(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
            return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", fe.getMessage());
        }
        if (c instanceof FramegridException fe && "INVALID_VIDEO".equals(fe.reason())) {
            return new ApiException(HttpStatus.BAD_REQUEST, "INVALID_VIDEO", fe.getMessage());
        }
        if (c instanceof FramegridException fe && fe.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "PROBE_TIMEOUT",
                    "No compute node could inspect the video in time; retry later");
        }
        return c instanceof RuntimeException re ? re : new CompletionException(c);
    }
}
