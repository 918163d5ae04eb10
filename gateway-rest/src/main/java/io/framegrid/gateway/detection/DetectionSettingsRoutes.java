package io.framegrid.gateway.detection;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Put;
import com.linecorp.armeria.server.annotation.RequestObject;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET/PUT /settings}: the caller's detection settings in the spec's camelCase. A PUT may name any of the three
 * fields (the others keep their values, merged atomically by the coordinator's {@code DetectionSettingsService} over
 * the grid cache {@code fg_detection_settings}); a field of the wrong type or a threshold outside 0–1 is 400. They
 * apply to the next upload.
 */
@Description("Detection (E) user settings under /api and /api/v1, on the detection port")
public final class DetectionSettingsRoutes {
    private final FramegridClient client;

    DetectionSettingsRoutes(FramegridClient client) {
        this.client = client;
    }

    /** The spec's settings object. */
    public record Settings(double confidenceThreshold, @JsonProperty("useGPU") boolean useGpu,
            boolean enableMultiThreading) {}

    /** A PUT body: the fields as they came, checked here so each gets its own message. */
    public record SettingsBody(@JsonProperty("confidenceThreshold") JsonNode confidenceThreshold,
            @JsonProperty("useGPU") JsonNode useGpu,
            @JsonProperty("enableMultiThreading") JsonNode enableMultiThreading) {}

    public record Updated(String message) {}

    /** The caller's settings (the defaults until they change any). */
    @Get("/settings")
    @Description("The caller's settings: confidenceThreshold (0-1), useGPU, enableMultiThreading")
    public CompletableFuture<Settings> get(RequestHeaders headers) {
        return detection(headers).settingsAsync().thenApply(DetectionSettingsRoutes::json);
    }

    /** Changes the fields the body names. */
    @Put("/settings")
    @Description("Updates the caller's settings; any of confidenceThreshold (number 0-1), useGPU and "
            + "enableMultiThreading (booleans: enableMultiThreading also detects large images as tiles in parallel)")
    public CompletableFuture<Updated> update(RequestHeaders headers, @RequestObject SettingsBody body) {
        DetectionClient detection = detection(headers);
        Float threshold = threshold(body.confidenceThreshold());
        Boolean gpu = bool("useGPU", body.useGpu());
        Boolean threads = bool("enableMultiThreading", body.enableMultiThreading());
        if (threshold == null && gpu == null && threads == null) {
            throw ApiException.badRequest("INVALID_SETTINGS",
                    "Name at least one of confidenceThreshold, useGPU, enableMultiThreading");
        }
        SettingsUpdate.Builder update = SettingsUpdate.newBuilder();
        if (threshold != null) {
            update.setConfidenceThreshold(threshold);
        }
        if (gpu != null) {
            update.setUseGpu(gpu);
        }
        if (threads != null) {
            update.setEnableMultiThreading(threads);
        }
        return detection.updateSettingsAsync(update.build())
                .thenApply(saved -> new Updated("Settings updated successfully"));
    }

    private DetectionClient detection(RequestHeaders headers) {
        return new DetectionClient(client.withBearerToken(Credentials.bearer(headers)));
    }

    static Settings json(DetectionSettings s) {
        return new Settings(DetectionQueries.decimal(s.getConfidenceThreshold()), s.getUseGpu(),
                s.getEnableMultiThreading());
    }

    private static Float threshold(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() <= 1)) {
            throw invalid("confidenceThreshold", "confidenceThreshold must be a number from 0 to 1");
        }
        return (float) value.asDouble();
    }

    private static Boolean bool(String field, JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw invalid(field, field + " must be true or false");
        }
        return value.asBoolean();
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(com.linecorp.armeria.common.HttpStatus.BAD_REQUEST, "INVALID_FIELD", message,
                java.util.Map.of("field", field));
    }
}
