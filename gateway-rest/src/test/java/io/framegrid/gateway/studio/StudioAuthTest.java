package io.framegrid.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StudioAuthTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static String email() {
        return "studio-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Reply register(String email, String password) {
        return gw.postJson("studio", "/api/v1/auth/register",
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"full_name\":\"John Doe\"}");
    }

    private static void assertStudioError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        JsonNode error = reply.json().get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.has("details")).isTrue();
        assertThat(error.get("request_id").asText()).startsWith("req-").isEqualTo(reply.header("X-Request-Id"));
    }

    @AfterEach
    void resetClock() {
        gw.coordinator().clock().reset();
    }

    @Test
    void registerReturns201FreeTierWith100Credits() {
        String email = email();
        Reply reply = register(email, "SecurePass123!");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        JsonNode body = reply.json();
        assertThat(body.get("user_id").asText()).hasSize(36);
        assertThat(body.get("email").asText()).isEqualTo(email);
        assertThat(body.get("tier").asText()).isEqualTo("free");
        assertThat(body.get("credits").asInt()).isEqualTo(100);
    }

    @Test
    void loginRefreshAndMeFollowTheSpec() {
        String email = email();
        register(email, "SecurePass123!");
        Reply login = gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().get("token_type").asText()).isEqualTo("Bearer");
        assertThat(login.json().get("expires_in").asInt()).isEqualTo(1800);
        assertThat(login.json().get("access_token").asText()).startsWith("eyJ");
        String refreshToken = login.json().get("refresh_token").asText();

        Reply refreshed = gw.postJson("studio", "/api/v1/auth/refresh", "{\"refresh_token\":\"" + refreshToken + "\"}");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.json().get("expires_in").asInt()).isEqualTo(1800);
        String access = refreshed.json().get("access_token").asText();

        Reply me = gw.get("studio", "/api/v1/auth/me", "Authorization", "Bearer " + access);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("email").asText()).isEqualTo(email);
        assertThat(me.json().get("full_name").asText()).isEqualTo("John Doe");
        assertThat(me.json().get("tier").asText()).isEqualTo("free");
        assertThat(me.json().get("credits").asInt()).isEqualTo(100);
        assertThat(me.json().get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }

    @Test
    void duplicateEmailIsA400InTheStudioFormat() {
        String email = email();
        register(email, "SecurePass123!");
        assertStudioError(register(email, "SecurePass123!"), 400, "EMAIL_TAKEN");
    }

    @Test
    void weakOrMissingFieldsAre422() {
        assertStudioError(register(email(), "weak"), 422, "WEAK_PASSWORD");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/register", "{\"email\":\"" + email() + "\"}"),
                422, "MISSING_FIELD");
        assertStudioError(register("not-an-email", "SecurePass123!"), 422, "INVALID_EMAIL");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/register", "{\"email\":42,\"password\":\"x\"}"),
                422, "INVALID_FIELD");
    }

    @Test
    void badJsonIsA400() {
        assertStudioError(gw.postJson("studio", "/api/v1/auth/login", "{\"email\":"), 400, "INVALID_JSON");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/login", "[1,2]"), 400, "INVALID_JSON");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/login", ""), 400, "INVALID_JSON");
    }

    @Test
    void wrongPasswordIs401() {
        String email = email();
        register(email, "SecurePass123!");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"WrongPass123\"}"), 401, "INVALID_CREDENTIALS");
    }

    @Test
    void missingExpiredAndTamperedTokensAre401() {
        assertStudioError(gw.get("studio", "/api/v1/auth/me"), 401, "UNAUTHORIZED");
        assertStudioError(gw.get("studio", "/api/v1/auth/me", "Authorization", "Basic Zm9vOmJhcg=="), 401, "UNAUTHORIZED");
        String email = email();
        register(email, "SecurePass123!");
        String access = gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}").json().get("access_token").asText();
        String tampered = access.substring(0, access.length() - 2) + (access.endsWith("A") ? "BB" : "AA");
        assertStudioError(gw.get("studio", "/api/v1/auth/me", "Authorization", "Bearer " + tampered), 401, "INVALID_TOKEN");
        gw.coordinator().clock().advance(Duration.ofMinutes(31));
        assertStudioError(gw.get("studio", "/api/v1/auth/me", "Authorization", "Bearer " + access), 401, "TOKEN_EXPIRED");
    }

    @Test
    void refreshTokenReuseRevokesTheFamily() {
        String email = email();
        register(email, "SecurePass123!");
        String first = gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}").json().get("refresh_token").asText();
        Reply rotated = gw.postJson("studio", "/api/v1/auth/refresh", "{\"refresh_token\":\"" + first + "\"}");
        String second = rotated.json().get("refresh_token").asText();
        assertStudioError(gw.postJson("studio", "/api/v1/auth/refresh", "{\"refresh_token\":\"" + first + "\"}"),
                401, "TOKEN_REUSED");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/refresh", "{\"refresh_token\":\"" + second + "\"}"),
                401, "TOKEN_REVOKED");
        assertStudioError(gw.postJson("studio", "/api/v1/auth/refresh", "{\"refresh_token\":\"garbage\"}"),
                401, "INVALID_TOKEN");
    }

    @Test
    void unknownRouteAndWrongMethodUseTheStudioFormat() {
        assertStudioError(gw.get("studio", "/api/v1/nowhere"), 404, "NOT_FOUND");
        assertStudioError(gw.get("studio", "/api/v1/auth/login"), 405, "METHOD_NOT_ALLOWED");
    }
}
