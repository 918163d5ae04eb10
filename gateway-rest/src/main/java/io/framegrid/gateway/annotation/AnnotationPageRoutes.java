package io.framegrid.gateway.annotation;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Head;
import com.linecorp.armeria.server.annotation.Param;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import com.linecorp.armeria.common.annotation.Nullable;

/**
 * The annotator page ({@code GET /}: one self-contained HTML file, no CDN, no map tiles; track and chart drawn on
 * canvases) and the pool video's file ({@code GET|HEAD /api/videos/{id}/file}, with {@code Range}), which a
 * {@code <video>} element reads: it cannot send headers, so this one route also takes {@code ?access_token=}.
 */
@Description("Annotation (A) annotator page and video playback, on the annotation port")
public final class AnnotationPageRoutes {
    private final FramegridClient client;
    private final byte[] page;

    AnnotationPageRoutes(FramegridClient client) {
        this.client = client;
        try (InputStream in = AnnotationPageRoutes.class.getResourceAsStream("annotator.html")) {
            this.page = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("annotator.html missing from the gateway jar", e));
        }
    }

    @Get("/")
    @Description("The annotator page: sign in, claim the next video, play it with its speed chart and GPS track, "
            + "shift the video or button timestamps, commit or unlock")
    public HttpResponse page() {
        return HttpResponse.of(HttpStatus.OK, MediaType.HTML_UTF_8, page);
    }

    @Get("/api/videos/{video_id}/file")
    @Head("/api/videos/{video_id}/file")
    @Description("The pool video's file for playback (Range, If-Range, HEAD); bearer token, or ?access_token= for "
            + "media elements; any signed-in annotator may play any pool video")
    public CompletableFuture<HttpResponse> file(ServiceRequestContext ctx, RequestHeaders headers,
            @Param("video_id") String videoId, @Param("access_token") @Nullable String accessToken) {
        String token = accessToken != null && !accessToken.isBlank() && headers.get(HttpHeaderNames.AUTHORIZATION) == null
                ? accessToken : Credentials.bearer(headers);
        AnnotationClient annotation = new AnnotationClient(client.withBearerToken(token));
        return annotation.videoFileAsync(videoId).thenApply(m -> MediaDownloads.serve(ctx,
                new MediaDownloads.Representation(m.getSize(), m.getContentType().isBlank() ? "video/mp4"
                        : m.getContentType(), m.getSha256(), HttpHeaders.of(HttpHeaderNames.CACHE_CONTROL, "private")),
                (offset, length, sink) -> annotation.downloadVideo(videoId, offset, length, sink)));
    }
}
