package io.framegrid.gateway.reframer;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.MimeParsingException;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reframer.v1.AnalysisParams;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.reframer.ReframerClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * {@code POST /process}: the HTTP side of an upload. The multipart {@code file} part streams into
 * {@link ReframerClient#uploadAsync} as it arrives, never held whole here; once the whole body has been read and
 * found well-formed, {@link ReframerClient#analyzeAsync} probes and queues it (and deletes the upload when refused).
 * What stays here is HTTP: the API key's budget and concurrent-upload permit, the size limit (declared, then
 * counted), the multipart framing, and the spec's error words.
 */
public final class ReframerUploads {
    private static final Set<String> FORMATS = Set.of("mp4", "mov", "avi", "mkv");
    private static final Pattern ASPECT = Pattern.compile("\\d{1,2}:\\d{1,2}");
    /** Multipart framing around the file. */
    private static final long FORM_OVERHEAD_BYTES = 1L << 20;

    private final FramegridClient client;
    private final ReframerLimits config;
    private final ClusterLimits limits;

    ReframerUploads(FramegridClient client, ReframerLimits config, ClusterLimits limits) {
        this.client = client;
        this.config = config;
        this.limits = limits;
    }

    /** {@code POST /process} answer: the queued analysis. */
    record Queued(@JsonProperty("job_id") String jobId, String status, String message) {}

    @Post("/process")
    @Description("Uploads a video (multipart/form-data, field 'file'; MP4, MOV, AVI, MKV) and queues its analysis. "
            + "Query parameters: aspect (e.g. 9:16), sample_every, max_frames.")
    public CompletableFuture<HttpResponse> process(ServiceRequestContext ctx, HttpRequest req,
            @Header("x-api-key") @Nullable String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            req.abort();
            throw ApiException.unauthorized("MISSING_API_KEY", "Missing API key");
        }
        String key = apiKey.trim();
        AtomicReference<ClusterLimits.Permit> permit = new AtomicReference<>();
        // The hourly budget was counted by the route's throttling decorator; the upload cap is taken below.
        return CompletableFuture.completedFuture(key).thenCompose(k -> {
            long declared = req.headers().contentLength();
            if (declared > maxBytes() + FORM_OVERHEAD_BYTES) {
                throw tooLarge();
            }
            // Bad parameters are refused before a byte of the video is read or stored.
            AnalysisParams params = params(ctx);
            MediaType type = req.contentType();
            if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                throw ApiException.badRequest("INVALID_REQUEST", "Request must be multipart/form-data with a 'file' field");
            }
            ReframerClient reframer = new ReframerClient(client.withApiKey(key), config.probeTimeout());
            return limits.acquire(ctx, key, "uploads").thenCompose(held -> {
                permit.set(held);
                return receive(ctx, Multipart.from(req), reframer)
                        .thenCompose(media -> reframer.analyzeAsync(media, params));
            }).thenApply(job -> HttpResponse.ofJson(new Queued(job.jobId(), "queued", "Video queued for processing")));
        }).whenComplete((response, t) -> {
            ClusterLimits.Permit held = permit.get();
            if (held != null) {
                held.release();
            }
            if (t != null) {
                // Refused before (or while) reading the body: drop what is left of it.
                req.abort();
            }
        });
    }

    private long maxBytes() {
        return (long) config.maxUploadMb() << 20;
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                "File size exceeds " + config.maxUploadMb() + "MB limit");
    }

    private static ApiException malformed() {
        return ApiException.badRequest("INVALID_MULTIPART",
                "Malformed multipart/form-data body: it must end with its closing boundary");
    }

    /** Optional analysis parameters as query parameters: {@code aspect} (e.g. 9:16), {@code sample_every}, {@code max_frames}. */
    private static AnalysisParams params(ServiceRequestContext ctx) {
        AnalysisParams.Builder params = AnalysisParams.newBuilder();
        String aspect = ctx.queryParam("aspect");
        if (aspect != null) {
            if (!ASPECT.matcher(aspect).matches() || aspect.startsWith("0") || aspect.contains(":0")) {
                throw ApiException.badRequest("INVALID_ASPECT", "aspect must look like 9:16");
            }
            params.setAspect(aspect);
        }
        Integer every = intParam(ctx, "sample_every", 1);
        if (every != null) {
            params.setSampleEvery(every);
        }
        Integer max = intParam(ctx, "max_frames", 0);
        if (max != null) {
            params.setMaxFrames(max);
        }
        return params.build();
    }

    private static @Nullable Integer intParam(ServiceRequestContext ctx, String name, int min) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            int v = Integer.parseInt(value);
            if (v < min || v > 100_000) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("INVALID_PARAMETER", name + " must be a non-negative integer");
        }
    }

    /**
     * Streams the {@code file} part into the caller's media and completes with it once the whole body has been
     * read; other parts are drained and ignored. A body that turns out malformed after the file was stored (no
     * closing boundary) deletes the upload again and fails with 400: nothing is probed, nothing kept.
     */
    private CompletableFuture<Media> receive(ServiceRequestContext ctx, Multipart multipart, ReframerClient reframer) {
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
                    received.completeExceptionally(ApiException.badRequest("INVALID_FORMAT",
                            "Invalid file format. Supported formats: MP4, MOV, AVI, MKV"));
                    return;
                }
                CountingStream in = new CountingStream(part.content().toInputStream(Function.identity()), maxBytes());
                String type = part.headers().contentType() == null ? "video/" + ext
                        : part.headers().contentType().toString();
                reframer.uploadAsync(in, filename, type).whenCompleteAsync((m, t) -> {
                    if (t == null && received.isDone()) {
                        // The body failed while the store was still finishing the file: it must not stay.
                        reframer.discardAsync(m);
                        return;
                    }
                    if (t == null && bodyEnded) {
                        // The body ended well while the store was still finishing the file.
                        received.complete(m);
                        return;
                    }
                    if (t == null) {
                        stored = m;
                        subscription.request(1);
                        return;
                    }
                    subscription.cancel();
                    received.completeExceptionally(in.exceeded() || isTooLarge(t) ? tooLarge()
                            : isMalformed(t) || isMalformed(in.failure()) ? malformed() : t);
                }, ctx.eventLoop());
            }

            @Override
            public void onError(Throwable t) {
                Throwable failure = isTooLarge(t) ? tooLarge() : isMalformed(t) ? malformed() : t;
                if (stored != null) {
                    reframer.discardAsync(stored).whenComplete((v, e) -> received.completeExceptionally(failure));
                } else {
                    received.completeExceptionally(failure);
                }
            }

            @Override
            public void onComplete() {
                if (stored != null) {
                    received.complete(stored);
                } else if (!found) {
                    received.completeExceptionally(ApiException.badRequest("MISSING_FILE", "Form field 'file' is required"));
                } else {
                    bodyEnded = true;
                }
            }
        }, ctx.eventLoop());
        return received;
    }

    private static boolean isTooLarge(@Nullable Throwable t) {
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

    private static boolean isMalformed(@Nullable Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MimeParsingException) {
                return true;
            }
        }
        return false;
    }

    /** Stops an upload past the size limit, whatever the declared length said; remembers why a read failed. */
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

        private int counted(int n) throws IOException {
            if (n > 0 && count.addAndGet(n) > max) {
                exceeded = true;
                throw new IOException("upload exceeds " + max + " bytes");
            }
            return n;
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
            return counted(n);
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
