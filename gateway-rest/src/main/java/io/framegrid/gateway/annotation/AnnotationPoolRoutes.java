package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.framegrid.proto.annotation.Timeline;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Surface A's pool views and admin actions: the shared pool's videos (every signed-in annotator sees all of them),
 * one video, its committed annotations on the data clock, and, for admins only (403 otherwise), deleting a video
 * with all its data and reopening an annotated one.
 */
@Description(
        "Annotation (A) pool, committed annotations and admin actions, on the annotation port; bearer token required")
public final class AnnotationPoolRoutes {
    private final FramegridClient client;

    AnnotationPoolRoutes(FramegridClient client) {
        this.client = client;
    }

    public record VideoList(List<AnnotationLockRoutes.VideoView> videos) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Annotations(String videoId, String annotatedBy, long annotatedAt,
            List<AnnotationLockRoutes.AnnotationView> annotations) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Deleted(String status, String message, String videoId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Reopened(String status, String videoId) {}

    @Get("/api/videos")
    @Description("Every video of the shared pool, oldest first (annotated=true: only annotated ones)")
    public CompletableFuture<VideoList> list(RequestHeaders headers, @Param("annotated") @Default("false") boolean annotated) {
        return annotation(headers).listAsync(annotated)
                .thenApply(all -> new VideoList(all.stream().map(AnnotationLockRoutes::view).toList()));
    }

    @Get("/api/videos/{video_id}")
    @Description("One video of the pool with its lock state; 404 when unknown")
    public CompletableFuture<AnnotationLockRoutes.VideoView> video(RequestHeaders headers, @Param("video_id") String videoId) {
        return annotation(headers).videoAsync(videoId).thenApply(AnnotationLockRoutes::view);
    }

    @Get("/api/annotations/{video_id}")
    @Description("The committed annotations, timestamps on the data clock (shifts applied); 404 before a commit")
    public CompletableFuture<Annotations> annotations(RequestHeaders headers, @Param("video_id") String videoId) {
        AnnotationClient annotation = annotation(headers);
        return annotation.annotationsAsync(videoId).thenCombine(annotation.syncAsync(videoId), (r, sync) ->
                new Annotations(videoId, r.getVideo().getAnnotatedBy(), r.getVideo().getAnnotatedMs(),
                        AnnotationLockRoutes.committed(r, new Timeline(sync)).annotations()));
    }

    @Delete("/api/videos/{video_id}")
    @Description("Admin only (403 otherwise): removes the video from the pool with its annotations, telemetry, "
            + "button data and file")
    public CompletableFuture<Deleted> delete(RequestHeaders headers, @Param("video_id") String videoId) {
        return annotation(headers).deleteAsync(videoId)
                .thenApply(v -> new Deleted("success", "Video deleted", v.getVideoId()));
    }

    @Post("/api/annotations/{video_id}/reopen")
    @Description("Admin only (403 otherwise): puts the video back into the pool, unannotated and unlocked; earlier "
            + "lock tokens stay refused")
    public CompletableFuture<Reopened> reopen(RequestHeaders headers, @Param("video_id") String videoId) {
        return annotation(headers).reopenAsync(videoId).thenApply(v -> new Reopened("reopened", v.getVideoId()));
    }

    private AnnotationClient annotation(RequestHeaders headers) {
        return new AnnotationClient(client.withBearerToken(Credentials.bearer(headers)));
    }
}
