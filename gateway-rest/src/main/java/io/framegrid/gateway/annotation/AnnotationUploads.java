package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.MimeParsingException;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.annotation.AnnotationClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * {@code POST /api/data/upload_video}: the multipart {@code video_file} part streams into the caller's media through
 * {@link AnnotationClient#uploadAsync} as it arrives (never held whole here); once the body has ended well, a
 * gpu-node probes it as a job and it joins the shared pool ({@link AnnotationClient#registerAsync}, which deletes
 * the upload again when the probe refuses it). What stays here is HTTP: the bearer token, the size cap (declared,
 * then counted), the multipart framing and the error words.
 */
@Description("Annotation (A) video uploads, on the annotation port; bearer token required")
public final class AnnotationUploads {
    private static final Set<String> FORMATS = Set.of("mp4", "mov", "avi", "mkv");
    /** Multipart framing around the file. */
    private static final long FORM_OVERHEAD_BYTES = 1L << 20;

    private final FramegridClient client;
    private final AnnotationSettings settings;

    AnnotationUploads(FramegridClient client, AnnotationSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The upload's answer: the spec's three fields, then what the probe found (ms, bytes). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Uploaded(String status, String videoId, String message, String title, long uploadDate,
            String uploader, long durationMs, double fps, long frames, long sizeBytes) {}

    @Post("/api/data/upload_video")
    @Description("Uploads a video into the shared annotation pool (multipart/form-data, field 'video_file'; MP4, "
            + "MOV, AVI, MKV; at most gateway.annotation.max-upload-mb, else 413); a gpu-node probes it: a file that "
            + "is no readable video is 400 and is not kept")
    public CompletableFuture<Uploaded> upload(ServiceRequestContext ctx, HttpRequest req) {
        CompletableFuture<Uploaded> answer;
        try {
            String token = Credentials.bearer(req.headers());
            long declared = req.headers().contentLength();
            if (declared > maxBytes() + FORM_OVERHEAD_BYTES) {
                throw tooLarge();
            }
            MediaType type = req.contentType();
            if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                throw ApiException.badRequest("INVALID_REQUEST",
                        "Request must be multipart/form-data with a 'video_file' field");
            }
            AnnotationClient annotation = new AnnotationClient(client.withBearerToken(token), settings.probeTimeout());
            answer = receive(ctx, Multipart.from(req), annotation).thenCompose(annotation::registerAsync)
                    .thenApply(AnnotationUploads::uploaded);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.whenComplete((done, t) -> {
            if (t != null) {
                // Refused before (or while) reading the body: drop what is left of it.
                req.abort();
            }
        });
    }

    private static Uploaded uploaded(Video v) {
        return new Uploaded("success", v.getVideoId(), "Video uploaded successfully", v.getTitle(),
                v.getUploadDateMs(), v.getUploaderId(), v.getDurationMs(), v.getFps(), v.getFrames(), v.getSizeBytes());
    }

    private long maxBytes() {
        return (long) settings.maxUploadMb() << 20;
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                "File size exceeds " + settings.maxUploadMb() + "MB limit");
    }

    private static ApiException malformed() {
        return ApiException.badRequest("INVALID_MULTIPART",
                "Malformed multipart/form-data body: it must end with its closing boundary");
    }

    /**
     * Streams the {@code video_file} part into the caller's media and completes with it once the whole body has been
     * read; other parts are drained. A body that fails after the file was stored deletes the upload again.
     */
    private CompletableFuture<Media> receive(ServiceRequestContext ctx, Multipart multipart, AnnotationClient annotation) {
        CompletableFuture<Media> received = new CompletableFuture<>();
        multipart.bodyParts().subscribe(new Subscriber<BodyPart>() {
            private Subscription subscription;
            // Subscriber signals and the upload's completion all run on the request's event loop: no races here.
            private @Nullable Media stored;
            private boolean found;
            private boolean bodyEnded;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(BodyPart part) {
                if (found || !"video_file".equals(part.name())) {
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
                    received.completeExceptionally(ApiException.badRequest("INVALID_FORMAT",
                            "Invalid file format. Supported formats: MP4, MOV, AVI, MKV"));
                    return;
                }
                CountingStream in = new CountingStream(part.content().toInputStream(Function.identity()), maxBytes());
                annotation.uploadAsync(in, filename, "video/" + ext).whenCompleteAsync((m, t) -> {
                    if (t == null && received.isDone()) {
                        // The body failed while the store was still finishing the file: it must not stay.
                        annotation.discardAsync(m);
                    } else if (t == null && bodyEnded) {
                        received.complete(m);
                    } else if (t == null) {
                        stored = m;
                        subscription.request(1);
                    } else {
                        subscription.cancel();
                        received.completeExceptionally(in.exceeded() || isTooLarge(t) ? tooLarge()
                                : isMalformed(t) || isMalformed(in.failure()) ? malformed() : t);
                    }
                }, ctx.eventLoop());
            }

            @Override
            public void onError(Throwable t) {
                Throwable failure = isTooLarge(t) ? tooLarge() : isMalformed(t) ? malformed() : t;
                if (stored != null) {
                    annotation.discardAsync(stored).whenComplete((v, e) -> received.completeExceptionally(failure));
                } else {
                    received.completeExceptionally(failure);
                }
            }

            @Override
            public void onComplete() {
                if (stored != null) {
                    received.complete(stored);
                } else if (!found) {
                    received.completeExceptionally(
                            ApiException.badRequest("MISSING_FILE", "Form field 'video_file' is required"));
                } else {
                    bodyEnded = true;
                }
            }
        }, ctx.eventLoop());
        return received;
    }

    private static boolean isTooLarge(@Nullable Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ContentTooLargeException
                    || c instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMalformed(@Nullable Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MimeParsingException) {
                return true;
            }
        }
        return false;
    }

    /** Stops an upload past the size cap, whatever the declared length said; remembers why a read failed. */
    private static final class CountingStream extends FilterInputStream {
        private final long max;
        private final AtomicLong count = new AtomicLong();
        private volatile boolean exceeded;
        private volatile @Nullable IOException failure;

        CountingStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        boolean exceeded() {
            return exceeded;
        }

        @Nullable IOException failure() {
            return failure;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n > 0 && count.addAndGet(n) > max) {
                exceeded = true;
                throw new IOException("upload exceeds " + max + " bytes");
            }
            return n;
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
