package io.framegrid.gateway.detection;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /history}: the caller's completed detections with their objects counted per class, newest first, paged,
 * optionally within {@code start_date}..{@code end_date} (ISO dates, UTC days, both inclusive). The records are kept
 * by the gpu-nodes in the grid ({@code fg_detection_history}) and read by the coordinator's history service.
 */
@Description("Detection (E) history under /api and /api/v1, on the detection port")
public final class DetectionHistoryRoutes {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private final FramegridClient client;

    DetectionHistoryRoutes(FramegridClient client) {
        this.client = client;
    }

    public record ClassCount(@JsonProperty("class") String className, int count) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(String detectionId, String timestamp, List<ClassCount> detectedObjects) {}

    public record History(List<Entry> history, int total, int page, int limit) {}

    /** One page of the caller's history in the range. */
    @Get("/history")
    @Description("The caller's completed detections, newest first, with per-class object counts; page (from 1), "
            + "limit (1-100, default 20), start_date and end_date (YYYY-MM-DD, UTC, inclusive)")
    public CompletableFuture<History> history(RequestHeaders headers, @Param("page") @Nullable String page,
            @Param("limit") @Nullable String limit, @Param("start_date") @Nullable String startDate,
            @Param("end_date") @Nullable String endDate) {
        DetectionClient detection = new DetectionClient(client.withBearerToken(Credentials.bearer(headers)));
        int p = DetectionQueries.intParam("page", page, 1, 1, DetectionQueries.MAX_PAGE);
        int l = DetectionQueries.intParam("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        HistoryRequest request = range(startDate, endDate).setLimit(l).setOffset((p - 1) * l).build();
        return detection.historyAsync(request).thenApply(r -> new History(r.getEntriesList().stream()
                .map(e -> new Entry(e.getDetectionId(), Instant.ofEpochMilli(e.getCreatedMs()).toString(),
                        e.getCountsList().stream().map(c -> new ClassCount(c.getClassName(), c.getCount())).toList()))
                .toList(), r.getTotal(), p, l));
    }

    /** The request's date range: from the start of {@code start} to the end of {@code end} (UTC), both optional. */
    static HistoryRequest.Builder range(@Nullable String start, @Nullable String end) {
        LocalDate from = date("start_date", start);
        LocalDate to = date("end_date", end);
        if (from != null && to != null && from.isAfter(to)) {
            throw ApiException.badRequest("INVALID_DATE_RANGE", "start_date must not be after end_date");
        }
        HistoryRequest.Builder request = HistoryRequest.newBuilder();
        if (from != null) {
            request.setFromMs(Math.max(1, from.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()));
        }
        if (to != null) {
            request.setUntilMs(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
        }
        return request;
    }

    private static LocalDate date(String name, @Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            LocalDate d = LocalDate.parse(value.trim());
            if (d.getYear() < 1970 || d.getYear() > 9999) {
                throw ApiException.badRequest("INVALID_DATE", name + " must be a date from 1970 on");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("INVALID_DATE", name + " must be an ISO date (YYYY-MM-DD)");
        }
    }
}
