package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.multipart.MultipartFile;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.StatusCode;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Json;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /models} (administrators, beyond the spec): multipart {@code model} (the ONNX file) and {@code manifest}
 * (JSON: {@code id}, {@code name}, {@code description}, {@code version}, {@code input_size: [416, 416]},
 * {@code classes: [...]}, {@code decoding: "yolox"}, optional {@code threshold}). The file goes to the media store,
 * the manifest to the coordinator, and every gpu-node downloads, checks and serves it without a restart; it then
 * shows in {@code GET /models} (within a node heartbeat) and can be made a user's active model.
 */
@Description("Detection (E) model upload for administrators under /api and /api/v1, on the detection port")
public final class DetectionModelUploads {
    static final long MAX_MODEL_BYTES = 256L << 20;

    private final FramegridClient client;

    DetectionModelUploads(FramegridClient client) {
        this.client = client;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Added(String id, String name, String description, String version, List<String> classes,
            String sha256, String createdAt, String message) {}

    /** Adds a model from an ONNX file and its manifest. */
    @Post("/models")
    @StatusCode(201)
    @Description("Administrators: adds a detection model (multipart 'model' = ONNX file, 'manifest' = JSON with id, "
            + "name, description, version, input_size [416,416], classes, decoding 'yolox'); gpu-nodes load it "
            + "without a restart")
    public CompletableFuture<Added> add(RequestHeaders headers, @Param("model") @Nullable MultipartFile model,
            @Param("manifest") @Nullable String manifest) throws Exception {
        String token = Credentials.bearer(headers);
        if (model == null) {
            throw ApiException.badRequest("MISSING_MODEL", "The multipart field 'model' (the ONNX file) is required");
        }
        if (manifest == null) {
            throw ApiException.badRequest("MISSING_MANIFEST", "The multipart field 'manifest' (JSON) is required");
        }
        if (Files.size(model.path()) > MAX_MODEL_BYTES || Files.size(model.path()) == 0) {
            throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                    "The model file must be 1 byte to 256 MB");
        }
        AddedModel parsed = manifest(manifest);
        FramegridClient caller = client.withBearerToken(token);
        // Checked before the file is stored, so a user who may not add models stores nothing.
        return caller.identityAsync().currentUser().thenCompose(user -> {
            if (user.getRole() != io.framegrid.proto.identity.v1.Role.ROLE_ADMIN) {
                throw new ApiException(HttpStatus.FORBIDDEN, "FORBIDDEN", "Only administrators add models");
            }
            InputStream in;
            try {
                in = Files.newInputStream(model.path());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new DetectionClient(caller).addModelAsync(in, model.filename(), parsed).whenComplete((m, t) -> {
                try {
                    in.close();
                } catch (java.io.IOException ignored) {
                    // The temporary file goes with the request.
                }
            });
        }).thenApply(m -> new Added(m.getModelId(), m.getName(), m.getDescription(), m.getVersion(),
                m.getClassesList(), m.getSha256(), Instant.ofEpochMilli(m.getCreatedMs()).toString(),
                "Model added; gpu-nodes load it without a restart"));
    }

    static AddedModel manifest(String text) {
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw ApiException.badRequest("INVALID_MANIFEST", "manifest must be JSON");
        }
        if (m == null || !m.isObject() || !m.path("id").isTextual()) {
            throw ApiException.badRequest("INVALID_MANIFEST", "manifest must be a JSON object with an 'id'");
        }
        AddedModel.Builder b = AddedModel.newBuilder().setModelId(m.get("id").asText())
                .setName(m.path("name").asText("")).setDescription(m.path("description").asText(""))
                .setVersion(m.path("version").asText("")).setDecoding(m.path("decoding").asText(""));
        JsonNode size = m.path("input_size");
        if (!size.isArray() || size.size() != 2 || !size.get(0).isInt() || !size.get(1).isInt()) {
            throw ApiException.badRequest("INVALID_MANIFEST", "input_size must be [width, height]");
        }
        b.setInputWidth(size.get(0).asInt()).setInputHeight(size.get(1).asInt());
        JsonNode classes = m.path("classes");
        if (!classes.isArray()) {
            throw ApiException.badRequest("INVALID_MANIFEST", "classes must be an array of names");
        }
        for (JsonNode c : classes) {
            if (!c.isTextual()) {
                throw ApiException.badRequest("INVALID_MANIFEST", "classes must be an array of names");
            }
            b.addClasses(c.asText());
        }
        if (m.has("threshold")) {
            if (!m.get("threshold").isNumber()) {
                throw ApiException.badRequest("INVALID_MANIFEST", "threshold must be a number from 0 to 1");
            }
            b.setDefaultThreshold((float) m.get("threshold").asDouble());
        }
        return b.build();
    }
}
