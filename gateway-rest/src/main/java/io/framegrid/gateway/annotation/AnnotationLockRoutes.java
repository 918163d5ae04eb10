package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.framegrid.proto.annotation.Timeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Surface A's annotation locks over the grid-held leases of {@link AnnotationClient}: the next free video (claimed
 * atomically with {@code ?lock=true}), start/renew, commit under the lease (fenced by {@code lock_token}), unlock.
 * The pool is shared: every signed-in annotator draws from the same videos. Times are epoch milliseconds.
 */
@Description("Annotation (A) locks and commits, on the annotation port; bearer token required")
public final class AnnotationLockRoutes {
    private final FramegridClient client;
    private final Duration lockTtl;

    AnnotationLockRoutes(FramegridClient client, Duration lockTtl) {
        this.client = client;
        this.lockTtl = lockTtl;
    }

    /** The spec's next_unannotated answer, plus the probed facts; lock fields null for a free video. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VideoView(String videoId, String title, long uploadDate, String status, String lockedBy,
            Long lockTime, String uploader, long durationMs, double fps, long frames, long sizeBytes) {}

    /** The spec's start answer plus the lease's fencing token and expiry (epoch ms). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Started(String status, String videoId, String userId, String lockedBy, long lockTime,
            String lockToken, long lockExpiresAt) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AnnotationView(long timestamp, double speed, int buttonState) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CommitBody(@Required List<ItemBody> annotations, String lockToken) {}

    /** One annotation as sent: every field required, checked here so a missing one names its index. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ItemBody(Long timestamp, Double speed, Integer buttonState) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Committed(String status, String videoId, List<AnnotationView> annotations) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Unlocked(String status, String videoId) {}

    @Get("/api/videos/next_unannotated")
    @Description("The oldest video neither annotated nor locked (404 when none); with lock=true it is locked to the "
            + "caller in the same atomic step and answered as start is, so concurrent annotators never share one")
    public CompletableFuture<Object> next(RequestHeaders headers, @Param("lock") @Default("false") boolean lock) {
        return annotation(headers).nextUnannotatedAsync(lock, lock ? lockTtl : Duration.ZERO)
                .thenApply(v -> lock ? started(v) : view(v));
    }

    @Post("/api/annotations/{video_id}/start")
    @Description("Locks the video to the caller for gateway.annotation.lock-ttl (calling again renews it); 409 while "
            + "another user holds it or once it is annotated")
    public CompletableFuture<Started> start(RequestHeaders headers, @Param("video_id") String videoId) {
        return annotation(headers).startAsync(videoId, lockTtl).thenApply(AnnotationLockRoutes::started);
    }

    @Post("/api/annotations/{video_id}/commit")
    @Description("Stores the annotations (timestamp: ms of the video file, i.e. the player's position, >= 0; speed "
            + "m/s >= 0; button_state 0/1) and marks the video annotated, releasing its lock; only the lock holder, "
            + "and with lock_token only the current lease's (409). The echo gives the timestamps on the data clock "
            + "(segment anchors and the video's shift applied)")
    public CompletableFuture<Committed> commit(RequestHeaders headers, @Param("video_id") String videoId,
            @RequestObject CommitBody body) {
        AnnotationClient annotation = annotation(headers);
        List<Annotation> items = new ArrayList<>(body.annotations().size());
        for (int i = 0; i < body.annotations().size(); i++) {
            ItemBody item = body.annotations().get(i);
            if (item == null || item.timestamp() == null || item.speed() == null || item.buttonState() == null) {
                throw ApiException.badRequest("INVALID_ANNOTATION",
                        "annotations[" + i + "] needs timestamp, speed and button_state");
            }
            items.add(Annotation.newBuilder().setTimestampMs(item.timestamp()).setSpeedMps(item.speed())
                    .setButtonState(item.buttonState()).build());
        }
        // The echo is on the data clock, as every view: the video's anchors and offset applied to the stored times.
        return annotation.commitAsync(videoId, body.lockToken(), items).thenCompose(r -> annotation.syncAsync(videoId)
                .thenApply(sync -> committed(r, new Timeline(sync))));
    }

    @Post("/api/annotations/{video_id}/unlock")
    @Description("Releases the video's lock: the holder or an admin (403 for anyone else)")
    public CompletableFuture<Unlocked> unlock(RequestHeaders headers, @Param("video_id") String videoId) {
        return annotation(headers).unlockAsync(videoId).thenApply(v -> new Unlocked("unlocked", v.getVideoId()));
    }

    private AnnotationClient annotation(RequestHeaders headers) {
        return new AnnotationClient(client.withBearerToken(Credentials.bearer(headers)));
    }

    static VideoView view(Video v) {
        boolean locked = v.hasLease();
        return new VideoView(v.getVideoId(), v.getTitle(), v.getUploadDateMs(),
                v.getAnnotated() ? "annotated" : locked ? "locked" : "unannotated",
                locked ? v.getLease().getHolderId() : null, locked ? v.getLease().getAcquiredMs() : null,
                v.getUploaderId(), v.getDurationMs(), v.getFps(), v.getFrames(), v.getSizeBytes());
    }

    private static Started started(Video v) {
        return new Started("started", v.getVideoId(), v.getLease().getHolderId(), v.getLease().getHolderId(),
                v.getLease().getAcquiredMs(), Long.toString(v.getLease().getToken()), v.getLease().getExpiresMs());
    }

    static Committed committed(CommitResponse r, Timeline timeline) {
        return new Committed("committed", r.getVideo().getVideoId(), r.getAnnotationsList().stream()
                .map(a -> new AnnotationView(timeline.dataTime(a.getTimestampMs()), a.getSpeedMps(), a.getButtonState()))
                .toList());
    }
}
