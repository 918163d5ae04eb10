package io.framegrid.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.io.IOException;
import java.util.Map;

/** One aggregated REST request with the parsing every surface needs; parse failures become 4xx. */
public final class Request {
    private final ServiceRequestContext ctx;
    private final AggregatedHttpRequest http;
    private final Surface surface;
    private ObjectNode json;

    Request(ServiceRequestContext ctx, AggregatedHttpRequest http, Surface surface) {
        this.ctx = ctx;
        this.http = http;
        this.surface = surface;
    }

    public ServiceRequestContext ctx() {
        return ctx;
    }

    public AggregatedHttpRequest http() {
        return http;
    }

    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    /** The body as a JSON object; 400 when it is empty, malformed or not an object. */
    public ObjectNode json() {
        if (json != null) {
            return json;
        }
        MediaType type = http.contentType();
        if (type != null && !type.isJson()) {
            throw ApiException.badRequest("UNSUPPORTED_CONTENT_TYPE", "Request body must be JSON (Content-Type: application/json)");
        }
        String body = http.contentUtf8();
        if (body.isBlank()) {
            throw ApiException.badRequest("INVALID_JSON", "Request body must be a JSON object");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("INVALID_JSON", "Request body is not valid JSON");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("INVALID_JSON", "Request body must be a JSON object");
        }
        json = object;
        return json;
    }

    /** A JSON string field that must be present and non-blank. */
    public String required(String field) {
        JsonNode value = json().get(field);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            throw new ApiException(surface.validationStatus(), "MISSING_FIELD", "Field '" + field + "' is required",
                    Map.of("field", field));
        }
        if (!value.isTextual()) {
            throw new ApiException(surface.validationStatus(), "INVALID_FIELD", "Field '" + field + "' must be a string",
                    Map.of("field", field));
        }
        return value.asText();
    }

    /** A JSON string field that may be absent (null when absent or null). */
    public String optional(String field) {
        JsonNode value = json().get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ApiException(surface.validationStatus(), "INVALID_FIELD", "Field '" + field + "' must be a string",
                    Map.of("field", field));
        }
        return value.asText();
    }

    /** The body as {@code application/x-www-form-urlencoded} parameters. */
    public QueryParams form() {
        MediaType type = http.contentType();
        if (type == null || !type.is(MediaType.FORM_DATA)) {
            throw new ApiException(surface.validationStatus(), "UNSUPPORTED_CONTENT_TYPE",
                    "Request body must be form-encoded (application/x-www-form-urlencoded)");
        }
        return QueryParams.fromQueryString(http.contentUtf8());
    }

    /** The bearer token of the Authorization header; 401 when missing or not a bearer token. */
    public String bearerToken() {
        return Credentials.bearer(http.headers());
    }

    public String header(CharSequence name) {
        return http.headers().get(name);
    }
}
