package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** How one REST surface spells an error body, as its spec documents it. */
public interface ErrorFormat {
    Object body(HttpStatus status, String code, String message, Map<String, Object> details, String requestId);

    /** A: {@code {"status":"error","message":...}}. */
    ErrorFormat STATUS_MESSAGE = (status, code, message, details, requestId) -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "error");
        body.put("message", message);
        return body;
    };

    /** B: {@code {"error":{"code","message","details","request_id"}}}. */
    ErrorFormat ERROR_WITH_DETAILS = (status, code, message, details, requestId) -> {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("details", details);
        error.put("request_id", requestId);
        return Map.of("error", error);
    };

    /** C and D: {@code {"detail":...}}. */
    ErrorFormat DETAIL = (status, code, message, details, requestId) -> Map.of("detail", message);

    /** E: {@code {"error":{"code","message"}}}. */
    ErrorFormat ERROR_CODE_MESSAGE = (status, code, message, details, requestId) -> {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        return Map.of("error", error);
    };
}
