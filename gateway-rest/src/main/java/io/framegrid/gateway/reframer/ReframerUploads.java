package io.framegrid.gateway.reframer;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.StreamedFileUpload;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reframer.v1.AnalysisParams;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reframer.ReframerClient;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import java.util.regex.Pattern;

/**
 * {@code POST /process}: the HTTP side of an upload. The multipart {@code file} part streams into
 * {@link ReframerClient#uploadAsync} as it arrives, never held whole here; once the whole body has been read and
 * found well-formed, {@link ReframerClient#analyzeAsync} probes and queues it (and deletes the upload when refused).
 * What stays here is HTTP: the API key's budget and concurrent-upload permit, the size limit (declared, then
 * counted), the multipart framing, and the spec's error words.
 */
public final class ReframerUploads {
    private static final Pattern ASPECT = Pattern.compile("\\d{1,2}:\\d{1,2}");
    /** Multipart framing around the file. */
    private static final long FORM_OVERHEAD_BYTES = 1L << 20;

    private final FramegridClient client;
    private final ReframerLimits config;
    private final ClusterLimits limits;

    private final StreamedFileUpload<Media> video;

    ReframerUploads(FramegridClient client, ReframerLimits config, ClusterLimits limits) {
        this.video = new StreamedFileUpload<>("file", List.of("mp4", "mov", "avi", "mkv"), "video/",
                config.maxUploadMb());
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
            if (declared > video.maxBytes() + FORM_OVERHEAD_BYTES) {
                throw video.tooLarge();
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
                return video.receive(ctx, Multiparts.from(req), store(reframer))
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

    private static StreamedFileUpload.Store<Media> store(ReframerClient reframer) {
        return new StreamedFileUpload.Store<>() {
            @Override
            public CompletableFuture<Media> upload(InputStream content, String filename, String contentType) {
                return reframer.uploadAsync(content, filename, contentType);
            }

            @Override
            public CompletableFuture<?> discard(Media stored) {
                return reframer.discardAsync(stored);
            }
        };
    }
}
