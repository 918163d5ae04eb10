package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import java.util.Map;

/** The caller's view of the SDK, and D's validation errors with the field they name. */
final class Callers {
    private Callers() {
    }

    static FramegridClient as(FramegridClient client, RequestHeaders headers) {
        return client.withBearerToken(Credentials.bearer(headers));
    }

    static ReconstructionClient reconstruction(FramegridClient client, RequestHeaders headers) {
        return new ReconstructionClient(as(client, headers));
    }

    /** 422 naming {@code field} in {@code where} (body, query, path), rendered as FastAPI's field error list. */
    static ApiException invalid(String where, String field, String message) {
        return new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD", message,
                Map.of("field", field, "in", where));
    }

    static ApiException missing(String where, String field) {
        return new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD", "field required",
                Map.of("field", field, "in", where));
    }

    static long id(String where, String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw missing(where, field);
        }
        try {
            long v = Long.parseLong(raw.trim());
            if (v <= 0) {
                throw invalid(where, field, field + " must be a positive integer");
            }
            return v;
        } catch (NumberFormatException e) {
            throw invalid(where, field, "value is not a valid integer");
        }
    }

    static int intParam(String where, String field, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw invalid(where, field, field + " must be between " + min + " and " + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw invalid(where, field, "value is not a valid integer");
        }
    }
}
