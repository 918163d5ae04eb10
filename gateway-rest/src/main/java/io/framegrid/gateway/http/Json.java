package io.framegrid.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** JSON bodies for the REST surfaces. */
public final class Json {
    /** Reads exactly one JSON value per input: trailing content after it is an error, not ignored. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    private static final DateTimeFormatter ISO_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Json() {}

    public static HttpResponse response(HttpStatus status, Object body) {
        return response(ResponseHeaders.builder(status), body);
    }

    public static HttpResponse response(ResponseHeadersBuilder headers, Object body) {
        try {
            byte[] bytes = MAPPER.writeValueAsBytes(body);
            return HttpResponse.of(headers.contentType(MediaType.JSON_UTF_8).build(),
                    com.linecorp.armeria.common.HttpData.wrap(bytes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(Object body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String isoSeconds(long epochSeconds) {
        return ISO_SECONDS.format(Instant.ofEpochSecond(epochSeconds));
    }
}
