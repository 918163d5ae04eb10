package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.auth.OAuth2Token;
import com.linecorp.armeria.server.auth.AuthTokenExtractors;
import java.util.function.Function;

/** The caller's credentials from request headers; absent or malformed ones are 401 in the surface's format. */
public final class Credentials {
    private static final Function<? super RequestHeaders, OAuth2Token> BEARER = AuthTokenExtractors.oAuth2();
    /** The reframer's {@code X-API-Key}, extracted the same way Armeria extracts bearer tokens. */
    private static final Function<RequestHeaders, String> API_KEY = headers -> {
        String key = headers.get("x-api-key");
        return key == null || key.isBlank() ? null : key.trim();
    };

    private Credentials() {}

    /** The bearer token of the {@code Authorization} header. */
    public static String bearer(RequestHeaders headers) {
        String header = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            throw ApiException.unauthorized("UNAUTHORIZED", "Not authenticated");
        }
        // Only a Bearer header reaches the extractor, which would log every other scheme as invalid.
        OAuth2Token token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? BEARER.apply(headers) : null;
        if (token == null || token.accessToken().isBlank()) {
            throw ApiException.unauthorized("UNAUTHORIZED", "Authorization header must be 'Bearer <token>'");
        }
        return token.accessToken();
    }

    /** The API key of the {@code X-API-Key} header; 401 "Missing API key" without one. */
    public static String apiKey(RequestHeaders headers) {
        String key = API_KEY.apply(headers);
        if (key == null) {
            throw ApiException.unauthorized("MISSING_API_KEY", "Missing API key");
        }
        return key;
    }
}
