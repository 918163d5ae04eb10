package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

class DetectionAuthTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static String name() {
        return "det" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void assertDetectionError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("error").get("code").asText()).isEqualTo(code);
        assertThat(reply.json().get("error").get("message").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api", "/api/v1"})
    void registerAndLoginUnderBothPrefixes(String base) {
        String name = name();
        Reply reg = gw.postJson("detection", base + "/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + name + "@example.com\",\"password\":\"Detect123\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        assertThat(reg.json().get("message").asText()).isEqualTo("User registered successfully");
        Reply login = gw.postJson("detection", base + "/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"Detect123\"}");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().get("user_id").asText()).isEqualTo(reg.json().get("user_id").asText());
        Reply me = gw.get("detection", base + "/auth/me", "Authorization", "Bearer " + login.json().get("token").asText());
        assertThat(me.json().get("username").asText()).isEqualTo(name);
        Reply refreshed = gw.postJson("detection", base + "/auth/refresh",
                "{\"refresh_token\":\"" + login.json().get("refresh_token").asText() + "\"}");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.json().get("token").asText()).startsWith("eyJ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api", "/api/v1"})
    void errorClassesUseTheDetectionFormat(String base) {
        String name = name();
        gw.postJson("detection", base + "/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + name + "@example.com\",\"password\":\"Detect123\"}");
        assertDetectionError(gw.postJson("detection", base + "/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"o" + name + "@example.com\",\"password\":\"Detect123\"}"),
                400, "USERNAME_TAKEN");
        assertDetectionError(gw.postJson("detection", base + "/auth/register",
                "{\"username\":\"" + name() + "\",\"email\":\"e@example.com\",\"password\":\"123\"}"), 400, "WEAK_PASSWORD");
        assertDetectionError(gw.postJson("detection", base + "/auth/register", "{\"username\":\"x\"}"), 400, "MISSING_FIELD");
        assertDetectionError(gw.postJson("detection", base + "/auth/login", "not json"), 400, "INVALID_JSON");
        assertDetectionError(gw.postJson("detection", base + "/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"Wrong1234\"}"), 401, "INVALID_CREDENTIALS");
        assertDetectionError(gw.get("detection", base + "/auth/me"), 401, "UNAUTHORIZED");
        assertDetectionError(gw.postJson("detection", base + "/auth/refresh", "{\"refresh_token\":\"zzz\"}"),
                401, "INVALID_TOKEN");
        assertDetectionError(gw.postJson("detection", base + "/auth/refresh", "{}"), 400, "MISSING_FIELD");
    }
}
