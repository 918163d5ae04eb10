package io.framegrid.gateway.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.RequestConverterFunction;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.Map;

/**
 * Reads a JSON body into a request record (snake_case on the wire) and refuses bad input in the surface's words:
 * not JSON or not an object is 400 {@code INVALID_JSON}; a component of the wrong type is {@code INVALID_FIELD} and a
 * {@link Required} one that is missing or blank {@code MISSING_FIELD}, both with the surface's validation status,
 * checked in component order so the first problem is the one reported.
 */
final class JsonBodies implements RequestConverterFunction {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            // A body is one JSON value: "{...} {...}" or "{...} junk" is refused, not read as its first object.
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    private static final PropertyNamingStrategies.NamingBase WIRE_NAMES =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private final Surface surface;

    JsonBodies(Surface surface) {
        this.surface = surface;
    }

    @Override
    public Object convertRequest(ServiceRequestContext ctx, AggregatedHttpRequest request, Class<?> type,
                                 ParameterizedType parameterizedType) {
        if (!type.isRecord()) {
            return RequestConverterFunction.fallthrough();
        }
        MediaType contentType = request.contentType();
        if (contentType != null && !contentType.isJson()) {
            throw ApiException.badRequest("UNSUPPORTED_CONTENT_TYPE",
                    "Request body must be JSON (Content-Type: application/json)");
        }
        String body = request.contentUtf8();
        JsonNode node;
        if (body.isBlank()) {
            if (!type.isAnnotationPresent(MayBeEmpty.class)) {
                throw ApiException.badRequest("INVALID_JSON", "Request body must be a JSON object");
            }
            node = MAPPER.createObjectNode();
        } else {
            try {
                node = MAPPER.readTree(body);
            } catch (IOException e) {
                throw ApiException.badRequest("INVALID_JSON", "Request body is not valid JSON");
            }
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("INVALID_JSON", "Request body must be a JSON object");
        }
        for (RecordComponent component : type.getRecordComponents()) {
            check(object, component);
        }
        try {
            return MAPPER.treeToValue(object, type);
        } catch (IOException e) {
            throw ApiException.badRequest("INVALID_JSON", "Request body does not match the expected fields");
        }
    }

    private void check(ObjectNode object, RecordComponent component) {
        String field = WIRE_NAMES.translate(component.getName());
        JsonNode value = object.get(field);
        boolean absent = value == null || value.isNull();
        Class<?> type = component.getType();
        if (!absent && type == String.class && !value.isTextual()) {
            throw invalid(field, "Field '" + field + "' must be a string");
        }
        if (!absent && (type == Long.class || type == long.class || type == Integer.class || type == int.class)
                && !(value.isIntegralNumber() && value.canConvertToLong())) {
            throw invalid(field, "Field '" + field + "' must be an integer");
        }
        if (component.isAnnotationPresent(Required.class)
                && (absent || value.isTextual() && value.asText().isBlank())) {
            throw new ApiException(surface.validationStatus(), "MISSING_FIELD", "Field '" + field + "' is required",
                    Map.of("field", field));
        }
    }

    private ApiException invalid(String field, String message) {
        return new ApiException(surface.validationStatus(), "INVALID_FIELD", message, Map.of("field", field));
    }
}
