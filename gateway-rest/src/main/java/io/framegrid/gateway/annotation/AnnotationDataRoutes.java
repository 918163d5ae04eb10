package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.multipart.AggregatedBodyPart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.framegrid.proto.annotation.Timeline;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Surface A's telemetry: {@code POST /api/data/upload_csv} (read whole and checked by {@link TelemetryCsv}; any bad
 * row refuses the file, nothing is stored and an earlier upload stays; a good file replaces the earlier one in one
 * grid write) and {@code GET /api/geolocation/{video_id}}.
 */
@Description("Annotation (A) speed and geolocation data, on the annotation port; bearer token required")
public final class AnnotationDataRoutes {
    private final FramegridClient client;

    AnnotationDataRoutes(FramegridClient client) {
        this.client = client;
    }

    public record Done(String status, String message) {}

    /** timestamp on the data clock (the CSV's); video_time the file position (ms) showing it, null if none. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Location(long timestamp, Long videoTime, double latitude, double longitude) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Geolocation(String videoId, List<Location> locations) {}

    @Post("/api/data/upload_csv")
    @Description("Speed and geolocation rows for a video (multipart/form-data: 'video_id', 'csv_file'; header row "
            + "required); any invalid row is 400 naming its line, and a good file replaces the earlier one whole")
    public CompletableFuture<Done> uploadCsv(ServiceRequestContext ctx, HttpRequest req) {
        String token = Credentials.bearer(req.headers());
        MediaType type = req.contentType();
        if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA)) {
            req.abort();
            throw ApiException.badRequest("INVALID_REQUEST",
                    "Request must be multipart/form-data with 'video_id' and 'csv_file' fields");
        }
        AnnotationClient annotation = new AnnotationClient(client.withBearerToken(token));
        return Multiparts.from(req).aggregate().thenCompose(form -> {
            AggregatedBodyPart id = form.field("video_id");
            AggregatedBodyPart file = form.field("csv_file");
            if (id == null || id.contentUtf8().isBlank()) {
                throw ApiException.badRequest("MISSING_FIELD", "Form field 'video_id' is required");
            }
            if (file == null) {
                throw ApiException.badRequest("MISSING_FILE", "Form field 'csv_file' is required");
            }
            String videoId = id.contentUtf8().trim();
            // An unknown video is 404 whatever the file holds; then the file is parsed whole before anything is sent.
            return annotation.videoAsync(videoId).thenCompose(v -> {
                List<TelemetryPoint> points;
                try {
                    points = TelemetryCsv.parse(file.contentUtf8());
                } catch (TelemetryCsv.InvalidCsv e) {
                    throw ApiException.badRequest("INVALID_CSV", e.getMessage());
                }
                return annotation.putTelemetryAsync(videoId, points);
            });
        }).thenApply(v -> new Done("success", "CSV data uploaded successfully"));
    }

    @Get("/api/geolocation/{video_id}")
    @Description("The video's GPS track from its last CSV upload: timestamps in ms on the data clock, WGS84 "
            + "degrees, and video_time, the file position (ms) that plays at each point with the video's segment "
            + "anchors and shift applied (null where the video does not show it); 404 for an unknown video")
    public CompletableFuture<Geolocation> geolocation(RequestHeaders headers, @Param("video_id") String videoId) {
        AnnotationClient annotation = new AnnotationClient(client.withBearerToken(Credentials.bearer(headers)));
        return annotation.telemetryAsync(videoId).thenCombine(annotation.syncAsync(videoId), (t, sync) -> {
            Timeline timeline = new Timeline(sync);
            return new Geolocation(videoId, t.getPointsList().stream().filter(TelemetryPoint::getHasLocation)
                    .map(p -> new Location(p.getTimestampMs(), AnnotationSyncRoutes.boxed(timeline.fileTime(p.getTimestampMs())),
                            p.getLatitude(), p.getLongitude())).toList());
        });
    }
}
