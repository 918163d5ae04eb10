package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpRequest;

import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.StreamedFileUpload;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/data/upload_video}: the multipart {@code video_file} part streams into the caller's media through
 * {@link AnnotationClient#uploadAsync} as it arrives (never held whole here); once the body has ended well, a
 * gpu-node probes it as a job and it joins the shared pool ({@link AnnotationClient#registerAsync}, which deletes
 * the upload again when the probe refuses it). What stays here is HTTP: the bearer token, the size cap (declared,
 * then counted), the multipart framing and the error words.
 */
@Description("Annotation (A) video uploads, on the annotation port; bearer token required")
public final class AnnotationUploads {
    /** Multipart framing around the file. */
    private static final long FORM_OVERHEAD_BYTES = 1L << 20;

    private final FramegridClient client;
    private final AnnotationSettings settings;
    private final StreamedFileUpload<Media> video;

    AnnotationUploads(FramegridClient client, AnnotationSettings settings) {
        this.client = client;
        this.settings = settings;
        this.video = new StreamedFileUpload<>("video_file", List.of("mp4", "mov", "avi", "mkv"), "video/",
                settings.maxUploadMb());
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
            if (declared > video.maxBytes() + FORM_OVERHEAD_BYTES) {
                throw video.tooLarge();
            }
            MediaType type = req.contentType();
            if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                throw ApiException.badRequest("INVALID_REQUEST",
                        "Request must be multipart/form-data with a 'video_file' field");
            }
            AnnotationClient annotation = new AnnotationClient(client.withBearerToken(token), settings.probeTimeout());
            answer = video.receive(ctx, Multiparts.from(req), store(annotation)).thenCompose(annotation::registerAsync)
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

    private static StreamedFileUpload.Store<Media> store(AnnotationClient annotation) {
        return new StreamedFileUpload.Store<>() {
            @Override
            public CompletableFuture<Media> upload(InputStream content, String filename, String contentType) {
                return annotation.uploadAsync(content, filename, contentType);
            }

            @Override
            public CompletableFuture<?> discard(Media stored) {
                return annotation.discardAsync(stored);
            }
        };
    }
}
