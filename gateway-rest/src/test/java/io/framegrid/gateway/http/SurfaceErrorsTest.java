package io.framegrid.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Armeria's own refusals (unknown path, wrong method, body over the cap) and bad JSON, in each surface's format. */
class SurfaceErrorsTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.max-json-body-bytes", 1024));

    @ParameterizedTest
    @CsvSource({
            "studio, /api/v1/auth/login",
            "annotation, /api/auth/login",
            "reframer, /register",
            "reconstruction, /api/v1/auth/register",
            "detection, /api/v1/auth/login"})
    void serverErrorsUseTheSurfaceFormat(String surface, String postRoute) {
        assertFormat(surface, gw.get(surface, "/no/such/route"), 404, "NOT_FOUND", "Not found");
        assertFormat(surface, gw.get(surface, postRoute), 405, "METHOD_NOT_ALLOWED", "Method not allowed");
        assertFormat(surface, gw.postJson(surface, postRoute, "{\"email\":\"" + "a".repeat(2048) + "\"}"),
                413, "PAYLOAD_TOO_LARGE", "Request body too large");
        assertFormat(surface, gw.postJson(surface, postRoute, "{\"email\":"), 400, "INVALID_JSON",
                "Request body is not valid JSON");
        // A second value after the object is no JSON body either (it is what a merged multipart field looks like).
        assertFormat(surface, gw.postJson(surface, postRoute, "{\"email\":\"a@example.com\"} {\"email\":\"b\"}"),
                400, "INVALID_JSON", "Request body is not valid JSON");
    }

    private static void assertFormat(String surface, Reply reply, int status, String code, String message) {
        assertThat(reply.status()).as("%s: %s", surface, reply).isEqualTo(status);
        JsonNode body = reply.json();
        switch (surface) {
            case "studio" -> {
                JsonNode error = body.get("error");
                assertThat(error.get("code").asText()).isEqualTo(code);
                assertThat(error.get("message").asText()).isEqualTo(message);
                assertThat(error.has("details")).isTrue();
                assertThat(error.get("request_id").asText()).startsWith("req-").isEqualTo(reply.header("X-Request-Id"));
            }
            case "annotation" -> {
                assertThat(body.get("status").asText()).isEqualTo("error");
                assertThat(body.get("message").asText()).isEqualTo(message);
            }
            case "reframer", "reconstruction" -> assertThat(body.get("detail").asText()).isEqualTo(message);
            case "detection" -> {
                assertThat(body.get("error").get("code").asText()).isEqualTo(code);
                assertThat(body.get("error").get("message").asText()).isEqualTo(message);
            }
            default -> throw new AssertionError(surface);
        }
    }
}
