package io.framegrid.gateway.detection;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * {@code GET /detection/results/{detection_id}} and {@code GET /detection/list}: the caller's detections as the spec
 * shapes them. A detection is the job {@code POST /detection/upload} queued; anyone else's is 404, as is an unknown id.
 */
@Description("Detection (E) results and list under /api and /api/v1, on the detection port")
public final class DetectionQueries {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;
    /** Pages past this are refused rather than turned into offsets the ledger would scan in vain. */
    static final int MAX_PAGE = 100_000;

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final FramegridClient client;

    DetectionQueries(FramegridClient client) {
        this.client = client;
    }

    /** One object: the spec's {@code class}, {@code confidence} and {@code bbox} {@code [x, y, width, height]}. */
    public record DetectedJson(@JsonProperty("class") String className, double confidence, int[] bbox) {}

    /**
     * The spec's result; beyond it, once completed: the model, the image size the boxes refer to, the device, a note
     * when it could not run as asked; and the error when it failed.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String detectionId, String status, List<DetectedJson> results, String modelId,
            Integer imageWidth, Integer imageHeight, Double confidenceThreshold, String device, String note,
            String error, Integer tiles) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Listed(String detectionId, String timestamp, String status) {}

    public record Page(List<Listed> detections, int total, int page, int limit) {}

    /** The detection's state, and its objects once completed. */
    @Get("/detection/results/{detection_id}")
    @Description("The detection's status ('processing' until done) and, once completed, its objects with bbox "
            + "[x, y, width, height] in the original image's pixels")
    public CompletableFuture<Result> results(RequestHeaders headers, @Param("detection_id") String detectionId) {
        DetectionClient detection = new DetectionClient(client.withBearerToken(Credentials.bearer(headers)));
        if (!UUID_TEXT.matcher(detectionId).matches()) {
            // Detection ids are UUIDs; anything else names no detection (and is not the ledger's to parse).
            throw notFound();
        }
        // One call: the job and, once completed, its results (from the task's commit in the ledger).
        return detection.detectionAsync(detectionId).thenApply(outcome -> {
            Job job = outcome.getJob();
            return switch (status(job)) {
                case "completed" -> completed(outcome.getResults());
                case "failed" -> new Result(job.getJobId(), "failed", List.of(), null, null, null, null, null, null,
                        DetectionContract.userError(job.getErrorMessage()), null);
                default -> new Result(job.getJobId(), "processing", List.of(), null, null, null, null, null, null, null,
                        null);
            };
        });
    }

    /** The caller's detections, newest first, {@code limit} per page. */
    @Get("/detection/list")
    @Description("The caller's detections, newest first; page (from 1, default 1) and limit (1-100, default 20)")
    public CompletableFuture<Page> list(RequestHeaders headers, @Param("page") @Nullable String page,
            @Param("limit") @Nullable String limit) {
        String token = Credentials.bearer(headers);
        int p = intParam("page", page, 1, 1, MAX_PAGE);
        int l = intParam("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        return new DetectionClient(client.withBearerToken(token)).listAsync(l, (p - 1) * l).thenApply(r -> new Page(
                r.getJobsList().stream().map(j -> new Listed(j.getJobId(), timestamp(j), status(j))).toList(),
                r.getTotal(), p, l));
    }

    private static Result completed(DetectionResults r) {
        List<DetectedJson> objects = r.getObjectsList().stream().map(DetectionQueries::json).toList();
        return new Result(r.getDetectionId(), "completed", objects, r.getModelId(), r.getImageWidth(),
                r.getImageHeight(), decimal(r.getConfidenceThreshold()), r.getDevice().isEmpty() ? null : r.getDevice(),
                r.getNote().isEmpty() ? null : r.getNote(), null, r.getTiles() == 0 ? null : r.getTiles());
    }

    private static DetectedJson json(DetectedObject o) {
        return new DetectedJson(o.getClassName(), Math.round(o.getConfidence() * 10_000) / 10_000.0,
                new int[] {o.getX(), o.getY(), o.getWidth(), o.getHeight()});
    }

    /** A float as the decimal it was written as (0.7, not 0.699999988). */
    static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    /** The spec's three states: queued and running are both {@code processing}; cancelled is {@code failed}. */
    static String status(Job job) {
        return switch (job.getStatus()) {
            case JOB_STATUS_COMPLETED -> "completed";
            case JOB_STATUS_FAILED, JOB_STATUS_CANCELLED -> "failed";
            default -> "processing";
        };
    }

    private static String timestamp(Job job) {
        return Instant.ofEpochSecond(job.getCreatedAt().getSeconds(), job.getCreatedAt().getNanos()).toString();
    }

    static ApiException notFound() {
        return new ApiException(HttpStatus.NOT_FOUND, "DETECTION_NOT_FOUND", "Detection not found");
    }

    static int intParam(String name, @Nullable String value, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw ApiException.badRequest("INVALID_PARAMETER", name + " must be an integer from " + min + " to " + max);
    }
}
