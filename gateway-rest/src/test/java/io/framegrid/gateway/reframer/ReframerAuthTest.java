package io.framegrid.gateway.reframer;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ReframerAuthTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static void assertDetail(Reply reply, int status, String detail) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("detail").asText()).isEqualTo(detail);
    }

    @Test
    void healthReportsTheGridConnection() {
        Reply health = gw.get("reframer", "/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("healthy");
        assertThat(health.json().get("database").asText()).isEqualTo("connected");
        assertThat(health.json().get("models").isArray()).isTrue();
        assertThat(health.json().get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
    }

    @Test
    void registerReturnsAVrApiKeyThatAuthenticates() {
        String email = "reframe-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Reply reg = gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(200);
        assertThat(reg.json().get("status").asText()).isEqualTo("success");
        assertThat(reg.json().get("email").asText()).isEqualTo(email);
        String key = reg.json().get("api_key").asText();
        assertThat(key).matches("vr_[0-9A-Za-z]{32}");
        Reply account = gw.get("reframer", "/account", "X-API-Key", key);
        assertThat(account.status()).isEqualTo(200);
        assertThat(account.json().get("user_id").asText()).isEqualTo(reg.json().get("user_id").asText());
    }

    @Test
    void documentedErrorsUseTheDetailFormat() {
        assertDetail(gw.postJson("reframer", "/register", "{\"email\":\"nope\"}"), 400, "Invalid email format");
        String email = "dup-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        assertDetail(gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}"), 400, "Email already registered");
        assertDetail(gw.get("reframer", "/account"), 401, "Missing API key");
        assertDetail(gw.get("reframer", "/account", "X-API-Key", "vr_" + "0".repeat(32)), 401, "Invalid API key");
        assertDetail(gw.get("reframer", "/account", "X-API-Key", "sk_live_nope"), 401, "Invalid API key");
        assertDetail(gw.postJson("reframer", "/register", "{"), 400, "Request body is not valid JSON");
        assertDetail(gw.get("reframer", "/nope"), 404, "Not found");
    }
}
