package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Put;
import com.linecorp.armeria.server.annotation.RequestObject;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /models} and {@code PUT /models/active}: the object-detection models the live gpu-nodes serve now (the
 * coordinator asks each node's model registry) and the caller's choice among them, stored with their settings.
 */
@Description("Detection (E) models under /api and /api/v1, on the detection port")
public final class DetectionModels {
    /** The registry's task of models that find objects with boxes (not text, not masks). */
    static final String OBJECT_DETECTION = "object-detection";

    private final FramegridClient client;

    DetectionModels(FramegridClient client) {
        this.client = client;
    }

    /** The spec's model, plus the classes it finds and whether it is the caller's active one. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Model(String id, String name, String description, String version, List<String> classes,
            boolean active) {}

    public record Models(List<Model> models) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ActiveBody(@Required String modelId) {}

    public record Updated(String message) {}

    /** Every active object-detection model a live gpu-node serves. */
    @Get("/models")
    @Description("The detection models the cluster's live gpu-nodes serve: id, name, description, version, classes")
    public CompletableFuture<Models> list(RequestHeaders headers) {
        FramegridClient caller = client.withBearerToken(Credentials.bearer(headers));
        return new DetectionClient(caller).settingsAsync().thenCompose(settings -> served(caller).thenApply(models ->
                new Models(models.stream().map(m -> new Model(m.getId(), m.getName(), m.getDescription(),
                        m.getVersion(), m.getClassNamesList(), m.getId().equals(settings.getModelId()))).toList())));
    }

    /** Makes {@code model_id} the model the caller's next uploads run with; 404 unless a live node serves it. */
    @Put("/models/active")
    @Description("Sets the model the caller's detections run with (an id from GET /models)")
    public CompletableFuture<Updated> activate(RequestHeaders headers, @RequestObject ActiveBody body) {
        FramegridClient caller = client.withBearerToken(Credentials.bearer(headers));
        DetectionClient detection = new DetectionClient(caller);
        return served(caller).thenCompose(models -> {
            if (models.stream().noneMatch(m -> m.getId().equals(body.modelId()))) {
                throw new ApiException(HttpStatus.NOT_FOUND, "MODEL_NOT_FOUND",
                        "Model '" + body.modelId() + "' not found");
            }
            return detection.updateSettingsAsync(SettingsUpdate.newBuilder().setModelId(body.modelId()).build());
        })
                .thenApply(saved -> new Updated("Active model updated successfully"));
    }

    private static CompletableFuture<List<ModelInfo>> served(FramegridClient caller) {
        return caller.inferenceAsync().listModels().thenApply(models -> models.stream()
                .filter(m -> m.getActive() && OBJECT_DETECTION.equals(m.getTask())).toList());
    }
}
