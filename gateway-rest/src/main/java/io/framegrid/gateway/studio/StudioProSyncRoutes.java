package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.StatusCode;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.ProSyncTimeline;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.ProbedVideo;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.studio.StudioClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Surface B's pro-sync submission, {@code POST /api/v1/video-editors/sync/pro-sync-process}: multipart
 * {@code file} (the video), {@code audio_files} (one part per audio file), {@code segments_data} (JSON),
 * {@code effects} (JSON, optional), {@code display_name}. The files stream into the caller's media as they arrive
 * (the tier's size limit → 413); gpu-nodes probe the video and every audio file (an unreadable one → 400); the
 * timeline is then checked ({@link ProSyncForm}: 400 {@code INVALID_SEGMENT_CONFIG}), the tier's segment limit
 * ({@code gateway.studio.pro-sync-segments.*}, → 403) and the credits (started seconds of the segments' total,
 * reserved with the job; short → 403). Whatever refuses the submission deletes the uploads again.
 */
public final class StudioProSyncRoutes implements SurfaceRoutes {
    static final List<String> VIDEO = List.of("mp4", "mov", "avi", "mkv", "webm");
    static final List<String> AUDIO = List.of("wav", "mp3", "m4a", "aac", "ogg", "flac", "opus");
    static final int MAX_AUDIO_FILES = 100;

    private final ProSync proSync;
    private final StudioLimits limits;

    StudioProSyncRoutes(FramegridClient client, StudioLimits limits, Duration probeTimeout,
                        Map<String, Integer> segmentLimits) {
        this.proSync = new ProSync(client, probeTimeout, segmentLimits);
        this.limits = limits;
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).decorator(endpoints.throttled(limits.perTier())).maxRequestLength(0)
                .requestTimeout(Duration.ofMinutes(30)).build(proSync);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(proSync));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleHeaders(ProSync.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Submitted(String jobId, String status, String message, int segmentsCount, double totalDuration,
                            long estimatedCredits, double estimatedProcessingTimeMinutes) {}

    @Description("Studio (B) pro-sync: multi-segment dubbing (and lip-sync, when a model is installed) with effects")
    public static final class ProSync {
        private final FramegridClient client;
        private final Duration probeTimeout;
        private final Map<String, Integer> segmentLimits;

        ProSync(FramegridClient client, Duration probeTimeout, Map<String, Integer> segmentLimits) {
            this.client = client;
            this.probeTimeout = probeTimeout;
            this.segmentLimits = segmentLimits;
        }

        @Post("/api/v1/video-editors/sync/pro-sync-process")
        @StatusCode(201)
        @Description("file (video, required), audio_files (one or more), segments_data (JSON array, required), "
                + "effects (JSON array), display_name; credits = started seconds of the segments' total")
        public CompletableFuture<Submitted> process(ServiceRequestContext ctx, HttpRequest req) {
            CompletableFuture<Submitted> answer;
            List<Media> stored = java.util.Collections.synchronizedList(new ArrayList<>());
            StudioClient[] studio = new StudioClient[1];
            try {
                String token = Credentials.bearer(req.headers());
                MediaType ct = req.contentType();
                if (ct == null || !ct.is(MediaType.MULTIPART_FORM_DATA) || ct.parameters().get("boundary") == null) {
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "UNSUPPORTED_CONTENT_TYPE",
                            "Request body must be multipart/form-data");
                }
                studio[0] = client.withBearerToken(token).product(StudioClient.class);
                Map<String, String> fields = new ConcurrentHashMap<>();
                List<Media> audio = java.util.Collections.synchronizedList(new ArrayList<>());
                Media[] video = new Media[1];
                answer = receive(ctx, Multiparts.from(req), studio[0], fields, video, audio, stored)
                        .thenCompose(v -> submit(studio[0], fields, video[0], List.copyOf(audio)));
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            return answer.handle((done, t) -> {
                if (t == null) {
                    return CompletableFuture.completedFuture(done);
                }
                req.abort();
                CompletableFuture<?>[] discards = studio[0] == null ? new CompletableFuture<?>[0]
                        : stored.stream().map(m -> studio[0].discardAsync(m.getMediaId())).toArray(CompletableFuture[]::new);
                return CompletableFuture.allOf(discards).<Submitted>thenApply(v -> {
                    throw translate(t);
                });
            }).thenCompose(f -> f);
        }

        private CompletableFuture<Submitted> submit(StudioClient studio, Map<String, String> fields, Media video,
                                                    List<Media> audio) {
            if (video == null) {
                throw ApiException.badRequest("MISSING_FILE", "Form field 'file' is required");
            }
            if (audio.isEmpty()) {
                throw ApiException.badRequest("MISSING_FILE", "Form field 'audio_files' needs at least one file");
            }
            ProSyncForm.Parsed parsed = ProSyncForm.parse(fields.get("segments_data"), fields.get("effects"),
                    audio.stream().map(Media::getFilename).toList());
            return studio.creditsAsync().thenCompose(balance -> {
                String tier = balance.getTier();
                ProSyncForm.checkLimit(parsed.segments().size(), tier,
                        segmentLimits.getOrDefault(tier, segmentLimits.get("free")));
                CompletableFuture<ProbedVideo> probedVideo = studio.probeAsync(video.getMediaId(), probeTimeout);
                List<CompletableFuture<ProbedVideo>> probedAudio = audio.stream()
                        .map(a -> studio.probeAudioAsync(a.getMediaId(), probeTimeout)
                                .exceptionally(t -> {
                                    throw audioError(t, a);
                                })).toList();
                return probedVideo.thenCompose(pv -> CompletableFuture.allOf(probedAudio.toArray(CompletableFuture[]::new))
                        .thenCompose(v -> {
                            List<Double> seconds = probedAudio.stream().map(f -> f.join().getDurationSeconds()).toList();
                            List<ProSyncTimeline.Segment> segments = ProSyncForm.check(parsed, pv.getDurationSeconds(),
                                    seconds);
                            List<ProSyncTimeline.Effect> effects = ProSyncForm.fit(parsed.effects(), pv.getWidth(),
                                    pv.getHeight());
                            double total = parsed.total();
                            SubmitStudioJobRequest.Builder r = SubmitStudioJobRequest.newBuilder()
                                    .setJobType(StudioContract.PRO_SYNC).setInputMediaId(video.getMediaId())
                                    .setDurationSeconds(total)
                                    .putParameters(StudioContract.PRO_SYNC_SEGMENTS, ProSyncTimeline.encodeSegments(segments))
                                    .putParameters(StudioContract.PRO_SYNC_EFFECTS, ProSyncTimeline.encodeEffects(effects))
                                    .putParameters(StudioContract.PRO_SYNC_AUDIO, audio.stream().map(Media::getMediaId)
                                            .collect(Collectors.joining(",")))
                                    .putMetadata("segments_count", Integer.toString(segments.size()))
                                    .putMetadata("video_duration", Double.toString(pv.getDurationSeconds()))
                                    .putMetadata("audio_files_count", Integer.toString(audio.size()))
                                    .putMetadata("effects_count", Integer.toString(effects.size()));
                            String name = fields.getOrDefault("display_name", "").trim();
                            if (!name.isEmpty()) {
                                r.setDisplayName(name);
                            }
                            return studio.submitAsync(r.build()).thenApply(j -> submitted(j, segments.size(), total));
                        }));
            });
        }

        /**
         * The job's status as the coordinator answered the submission: {@code queued} as the spec shows while it
         * waits, but a job a free slot admitted at once is already {@code processing}, and saying so is honest.
         */
        private static Submitted submitted(StudioJob j, int segments, double total) {
            String status = StudioJobRoutes.status(j.getJob());
            return new Submitted(j.getJob().getJobId(), status, message(status),
                    segments, Math.round(total * 1000) / 1000.0, j.getCharge().getCredits(),
                    Math.max(0.1, Math.round(j.getEstimatedProcessingSeconds() / 60.0 * 10) / 10.0));
        }

        static String message(String status) {
            return switch (status) {
                case "queued" -> "Job queued successfully";
                case "processing" -> "Job accepted; processing started";
                default -> "Job accepted; " + status;
            };
        }

        /** Streams {@code file} and every {@code audio_files} part into the caller's media, one after the other. */
        private static CompletableFuture<Void> receive(ServiceRequestContext ctx, Multipart multipart, StudioClient studio,
                                                       Map<String, String> fields, Media[] video, List<Media> audio,
                                                       List<Media> stored) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            multipart.bodyParts().subscribe(new Subscriber<BodyPart>() {
                private Subscription subscription;
                // Signals and upload completions all run on the request's event loop: no races here.
                private boolean uploading;
                private boolean bodyEnded;

                @Override
                public void onSubscribe(Subscription s) {
                    subscription = s;
                    s.request(1);
                }

                @Override
                public void onNext(BodyPart part) {
                    String name = part.name() == null ? "" : part.name();
                    boolean isFile = part.filename() != null;
                    if (!isFile || !(name.equals("file") || name.equals("audio_files"))) {
                        part.aggregate().whenCompleteAsync((agg, t) -> {
                            if (t != null) {
                                fail(t);
                                return;
                            }
                            if (!isFile && !name.isEmpty()) {
                                String text = agg.contentUtf8();
                                fields.putIfAbsent(name, text.length() > (1 << 20) ? text.substring(0, 1 << 20) : text);
                            }
                            subscription.request(1);
                        }, ctx.eventLoop());
                        return;
                    }
                    boolean isVideo = name.equals("file");
                    String filename = part.filename();
                    int dot = filename.lastIndexOf('.');
                    String ext = dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
                    List<String> allowed = isVideo ? VIDEO : AUDIO;
                    if (!allowed.contains(ext) || (isVideo && video[0] != null) || audio.size() >= MAX_AUDIO_FILES) {
                        part.content().abort();
                        subscription.cancel();
                        fail(!allowed.contains(ext) ? ApiException.badRequest("INVALID_FORMAT", "Invalid "
                                + (isVideo ? "video" : "audio") + " file format. Supported formats: " + allowed.stream()
                                .map(e -> e.toUpperCase(Locale.ROOT)).collect(Collectors.joining(", ")))
                                : ApiException.badRequest("INVALID_FORM", isVideo ? "Only one 'file' may be sent"
                                : "At most " + MAX_AUDIO_FILES + " audio files"));
                        return;
                    }
                    String type = part.headers().contentType() == null ? (isVideo ? "video/" : "audio/") + ext
                            : part.headers().contentType().toString();
                    uploading = true;
                    studio.uploadAsync(part.content().toInputStream(java.util.function.Function.identity()), filename,
                            type).whenCompleteAsync((m, t) -> {
                                uploading = false;
                                if (t != null) {
                                    subscription.cancel();
                                    fail(t);
                                    return;
                                }
                                stored.add(m);
                                if (done.isDone()) {
                                    return; // discarded with the others by the caller
                                }
                                if (isVideo) {
                                    video[0] = m;
                                } else {
                                    audio.add(m);
                                }
                                if (bodyEnded) {
                                    done.complete(null); // the body ended while the store finished this file
                                } else {
                                    subscription.request(1);
                                }
                            }, ctx.eventLoop());
                }

                private void fail(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onError(Throwable t) {
                    fail(t instanceof com.linecorp.armeria.common.multipart.MimeParsingException
                            ? io.framegrid.gateway.http.StreamedFileUpload.malformed() : t);
                }

                @Override
                public void onComplete() {
                    if (uploading) {
                        bodyEnded = true;
                    } else {
                        done.complete(null);
                    }
                }
            }, ctx.eventLoop());
            return done;
        }

        private static RuntimeException audioError(Throwable t, Media a) {
            Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (c instanceof FramegridException fe && ("INVALID_AUDIO".equals(fe.reason())
                    || "INVALID_VIDEO".equals(fe.reason()))) {
                return new ApiException(HttpStatus.BAD_REQUEST, "INVALID_AUDIO", "Invalid audio file '"
                        + a.getFilename() + "': not readable audio", Map.of("filename", a.getFilename()));
            }
            return c instanceof RuntimeException re ? re : new CompletionException(c);
        }
    }

    private static RuntimeException translate(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
            return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", fe.getMessage());
        }
        if (c instanceof FramegridException fe && "INVALID_VIDEO".equals(fe.reason())) {
            return new ApiException(HttpStatus.BAD_REQUEST, "INVALID_VIDEO", fe.getMessage());
        }
        if (c instanceof FramegridException fe && fe.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "PROBE_TIMEOUT",
                    "No compute node could inspect the files in time; retry later");
        }
        return c instanceof RuntimeException re ? re : new CompletionException(c);
    }
}
