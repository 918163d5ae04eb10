package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Json;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.proto.detection.v1.IntegrationNotification;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /integrations/enginelabs/webhook}: model-training notifications from enginelabs.ai (the spec's
 * integration). No bearer token: the body is signed {@code X-Enginelabs-Signature: t=<unix s>,v1=<hex
 * HMAC-SHA256(secret, t + "." + body)>} with {@code gateway.detection.enginelabs-secret}, which the coordinator
 * checks (401 {@code INVALID_SIGNATURE}, 503 {@code NOT_CONFIGURED} without a secret). {@code model.trained}
 * ({@code {"event","model":{"id","name","description","version","input_size","classes","decoding","artifact_url"}}})
 * makes the coordinator download the artifact and add it as a model the gpu-nodes load without a restart.
 */
@Description("Detection (E) incoming enginelabs.ai notifications under /api and /api/v1, on the detection port")
public final class DetectionIntegrations {
    private final FramegridClient client;

    DetectionIntegrations(FramegridClient client) {
        this.client = client;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Outcome(String status, String modelId) {}

    /** Verifies and handles one notification. */
    @Post("/integrations/enginelabs/webhook")
    @Description("enginelabs.ai notifications, signed X-Enginelabs-Signature: t=<unix s>,v1=<hex HMAC-SHA256>; "
            + "model.trained registers the trained model (yolox, 416x416) from its artifact_url")
    public CompletableFuture<Outcome> notify(AggregatedHttpRequest request) {
        byte[] body = request.content().array();
        String signature = request.headers().get("x-enginelabs-signature", "");
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw ApiException.badRequest("INVALID_JSON", "The body is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("INVALID_JSON", "The body must be a JSON object");
        }
        IntegrationNotification.Builder n = IntegrationNotification.newBuilder().setBody(ByteString.copyFrom(body))
                .setSignature(signature).setEvent(json.path("event").asText(""));
        JsonNode model = json.path("model");
        if (model.isObject()) {
            AddedModel.Builder m = DetectionModelUploads.manifest(model.toString()).toBuilder();
            n.setModel(m).setArtifactUrl(model.path("artifact_url").asText(""));
        }
        return new DetectionClient(client).notifyIntegrationAsync(n.build())
                .thenApply(o -> new Outcome(o.getOutcome(), o.getModelId().isEmpty() ? null : o.getModelId()));
    }
}
