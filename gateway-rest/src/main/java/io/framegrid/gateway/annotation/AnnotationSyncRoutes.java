package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.multipart.AggregatedBodyPart;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.annotation.v1.ButtonSample;
import io.framegrid.proto.annotation.v1.ShiftTarget;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.VideoSegment;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.framegrid.proto.annotation.Timeline;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Surface A's synchronisation data: button data (a TXT of 0/1 lines, or timed samples), segment anchors of the video
 * file on the data clock, and the cumulative, non-destructive timestamp shifts; {@code GET .../timeline} shows all of
 * it on the data clock of {@link Timeline} (the raw uploads are never rewritten). Every upload replaces the earlier
 * one of its kind whole, or is refused whole (400 naming the line or index; nothing stored).
 */
@Description("Annotation (A) button data, video timestamps and timestamp shifts, on the annotation port; bearer token required")
public final class AnnotationSyncRoutes {
    /** {@code video_segment}: "start-end", seconds of the video file, e.g. "12.5-20". */
    private static final Pattern SEGMENT = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*-\\s*(\\d+(?:\\.\\d+)?)\\s*");

    private final FramegridClient client;

    AnnotationSyncRoutes(FramegridClient client) {
        this.client = client;
    }

    public record Done(String status, String message) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ButtonItem(Long timestamp, Integer buttonState) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ButtonTimestamps(@Required String videoId, @Required List<ButtonItem> buttonDataWithTimestamps) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SegmentItem(Long timestamp, String videoSegment) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VideoTimestamps(@Required String videoId, @Required List<SegmentItem> videoDataWithTimestamps) {}

    /** {@code timestamp_offset}: seconds, a JSON number (fractions allowed, negative moves earlier). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ShiftBody(JsonNode timestampOffset) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Shifted(String status, String message, String videoId, long videoOffsetMs, long buttonOffsetMs) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SegmentView(long startMs, long endMs, long timestamp) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SpeedView(long timestamp, Long videoTime, double speed) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LocationView(long timestamp, Long videoTime, double latitude, double longitude) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ButtonView(long timestamp, Long videoTime, int buttonState) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TimelineView(String videoId, long durationMs, long videoOffsetMs, long buttonOffsetMs,
            boolean buttonsTimed, List<SegmentView> segments, List<SpeedView> speeds, List<LocationView> locations,
            List<ButtonView> buttons) {}

    @Post("/api/data/upload_button_data")
    @Description("Button states for a video (multipart/form-data: 'video_id', 'button_data_file': one 0 or 1 per "
            + "line); any other line is 400 naming it; until add_button_timestamp, line i of n is placed at "
            + "i * duration / n of the video; replaces any earlier button data")
    public CompletableFuture<Done> uploadButtonData(HttpRequest req) {
        String token = Credentials.bearer(req.headers());
        MediaType type = req.contentType();
        if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA)) {
            req.abort();
            throw ApiException.badRequest("INVALID_REQUEST",
                    "Request must be multipart/form-data with 'video_id' and 'button_data_file' fields");
        }
        AnnotationClient annotation = annotation(token);
        return Multiparts.from(req).aggregate().thenCompose(form -> {
            AggregatedBodyPart id = form.field("video_id");
            AggregatedBodyPart file = form.field("button_data_file");
            if (id == null || id.contentUtf8().isBlank()) {
                throw ApiException.badRequest("MISSING_FIELD", "Form field 'video_id' is required");
            }
            if (file == null) {
                throw ApiException.badRequest("MISSING_FILE", "Form field 'button_data_file' is required");
            }
            String videoId = id.contentUtf8().trim();
            return annotation.videoAsync(videoId).thenCompose(v -> {
                List<Integer> states;
                try {
                    states = ButtonTxt.parse(file.contentUtf8());
                } catch (ButtonTxt.InvalidTxt e) {
                    throw ApiException.badRequest("INVALID_BUTTON_DATA", e.getMessage());
                }
                return annotation.putButtonStatesAsync(videoId, states);
            });
        }).thenApply(s -> new Done("success", "Button data uploaded successfully"));
    }

    @Post("/api/data/add_button_timestamp")
    @Description("Timed button data: button_data_with_timestamps [{timestamp (ms, >= 0, distinct), button_state "
            + "(0/1)}] replaces the video's button series (a TXT upload's included)")
    public CompletableFuture<Done> addButtonTimestamp(RequestHeaders headers, @RequestObject ButtonTimestamps body) {
        List<ButtonSample> samples = new ArrayList<>(body.buttonDataWithTimestamps().size());
        for (int i = 0; i < body.buttonDataWithTimestamps().size(); i++) {
            ButtonItem item = body.buttonDataWithTimestamps().get(i);
            if (item == null || item.timestamp() == null || item.buttonState() == null) {
                throw ApiException.badRequest("INVALID_BUTTON_DATA",
                        "button_data_with_timestamps[" + i + "] needs timestamp and button_state");
            }
            samples.add(ButtonSample.newBuilder().setTimestampMs(item.timestamp()).setState(item.buttonState()).build());
        }
        return annotation(Credentials.bearer(headers)).putButtonTimestampsAsync(body.videoId(), samples)
                .thenApply(s -> new Done("success", "Button data with timestamps added successfully"));
    }

    @Post("/api/data/add_video_timestamp")
    @Description("Anchors stretches of the video file on the data clock: video_data_with_timestamps [{timestamp "
            + "(ms on the data clock where the stretch starts), video_segment (\"start-end\", seconds of the video "
            + "file, e.g. \"0-12.5\")}]; segments may not overlap or pass the video's end; replaces earlier anchors")
    public CompletableFuture<Done> addVideoTimestamp(RequestHeaders headers, @RequestObject VideoTimestamps body) {
        List<VideoSegment> segments = new ArrayList<>(body.videoDataWithTimestamps().size());
        for (int i = 0; i < body.videoDataWithTimestamps().size(); i++) {
            SegmentItem item = body.videoDataWithTimestamps().get(i);
            if (item == null || item.timestamp() == null || item.videoSegment() == null) {
                throw ApiException.badRequest("INVALID_SEGMENT",
                        "video_data_with_timestamps[" + i + "] needs timestamp and video_segment");
            }
            Matcher m = SEGMENT.matcher(item.videoSegment());
            if (!m.matches()) {
                throw ApiException.badRequest("INVALID_SEGMENT", "video_data_with_timestamps[" + i
                        + "].video_segment must be \"start-end\" in seconds of the video, e.g. \"0-12.5\"");
            }
            long start = Math.round(Double.parseDouble(m.group(1)) * 1000);
            long end = Math.round(Double.parseDouble(m.group(2)) * 1000);
            if (end <= start) {
                throw ApiException.badRequest("INVALID_SEGMENT",
                        "video_data_with_timestamps[" + i + "].video_segment must end after it starts");
            }
            segments.add(VideoSegment.newBuilder().setStartMs(start).setEndMs(end).setTimestampMs(item.timestamp())
                    .build());
        }
        return annotation(Credentials.bearer(headers)).putVideoSegmentsAsync(body.videoId(), segments)
                .thenApply(s -> new Done("success", "Video timestamps added/adjusted successfully"));
    }

    @Post("/api/annotations/{video_id}/shift_timestamp")
    @Description("Adds timestamp_offset (seconds, a number) to the video's cumulative offset: the video then plays "
            + "that much later against the CSV and button data; raw data is untouched, every view applies it")
    public CompletableFuture<Shifted> shiftVideo(RequestHeaders headers, @Param("video_id") String videoId,
            @RequestObject ShiftBody body) {
        return shift(headers, videoId, body, ShiftTarget.SHIFT_TARGET_VIDEO, "Video timestamps shifted successfully");
    }

    @Post("/api/annotations/{video_id}/shift_button_timestamp")
    @Description("Adds timestamp_offset (seconds, a number) to the button data's cumulative offset; raw data is "
            + "untouched, every view applies it")
    public CompletableFuture<Shifted> shiftButtons(RequestHeaders headers, @Param("video_id") String videoId,
            @RequestObject ShiftBody body) {
        return shift(headers, videoId, body, ShiftTarget.SHIFT_TARGET_BUTTONS,
                "Button data timestamps shifted successfully");
    }

    @Get("/api/videos/{video_id}/timeline")
    @Description("Everything synchronised for a video on the data clock (ms): speeds (m/s) and locations from the "
            + "CSV, button states, segment anchors and the cumulative offsets; video_time is the file position "
            + "(ms) that plays at each timestamp (null where the video does not show it)")
    public CompletableFuture<TimelineView> timeline(RequestHeaders headers, @Param("video_id") String videoId) {
        AnnotationClient annotation = annotation(Credentials.bearer(headers));
        return annotation.syncAsync(videoId).thenCombine(annotation.telemetryAsync(videoId), AnnotationSyncRoutes::view);
    }

    static TimelineView view(Sync sync, Telemetry telemetry) {
        Timeline t = new Timeline(sync);
        List<SpeedView> speeds = new ArrayList<>();
        List<LocationView> locations = new ArrayList<>();
        for (TelemetryPoint p : telemetry.getPointsList()) {
            Long at = boxed(t.fileTime(p.getTimestampMs()));
            if (p.getHasSpeed()) {
                speeds.add(new SpeedView(p.getTimestampMs(), at, p.getSpeedMps()));
            }
            if (p.getHasLocation()) {
                locations.add(new LocationView(p.getTimestampMs(), at, p.getLatitude(), p.getLongitude()));
            }
        }
        List<ButtonView> buttons = t.buttons().stream()
                .map(b -> new ButtonView(b.getTimestampMs(), boxed(t.fileTime(b.getTimestampMs())), b.getState())).toList();
        List<SegmentView> segments = sync.getSegmentsList().stream()
                .map(s -> new SegmentView(s.getStartMs(), s.getEndMs(), s.getTimestampMs())).toList();
        return new TimelineView(sync.getVideoId(), sync.getDurationMs(), t.videoOffsetMs(), t.buttonOffsetMs(),
                t.buttonsTimed(), segments, speeds, locations, buttons);
    }

    static Long boxed(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    private CompletableFuture<Shifted> shift(RequestHeaders headers, String videoId, ShiftBody body, ShiftTarget target,
            String message) {
        JsonNode offset = body.timestampOffset();
        if (offset == null || offset.isNull()) {
            throw ApiException.badRequest("MISSING_FIELD", "Field 'timestamp_offset' is required");
        }
        if (!offset.isNumber() || !Double.isFinite(offset.asDouble())) {
            throw ApiException.badRequest("INVALID_FIELD", "Field 'timestamp_offset' must be a number of seconds");
        }
        double seconds = offset.asDouble();
        if (Math.abs(seconds) > 86_400) {
            throw ApiException.badRequest("INVALID_OFFSET", "timestamp_offset must be within +-86400 seconds");
        }
        return annotation(Credentials.bearer(headers)).shiftAsync(videoId, target, Math.round(seconds * 1_000_000))
                .thenApply(s -> {
                    Timeline t = new Timeline(s);
                    return new Shifted("success", message, videoId, t.videoOffsetMs(), t.buttonOffsetMs());
                });
    }

    private AnnotationClient annotation(String token) {
        return new AnnotationClient(client.withBearerToken(token));
    }
}
