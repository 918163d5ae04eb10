package io.framegrid.gateway.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ReconstructionAuthTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static String name() {
        return "recon" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Reply register(String name) {
        return gw.postJson("reconstruction", "/api/v1/auth/register", "{\"username\":\"" + name + "\",\"email\":\""
                + name + "@example.com\",\"password\":\"Mesh12345\",\"full_name\":\"Mesh Maker\"}");
    }

    private static void assertDetail(Reply reply, int status) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        // FastAPI's shapes: a string, or for field errors a list of {loc, msg, type}.
        var detail = reply.json().get("detail");
        assertThat(detail.isArray() ? detail.get(0).get("msg").asText() : detail.asText()).isNotBlank();
    }

    @Test
    void registerReturnsIntegerIdAndTokenLoginIsFormEncoded() {
        String name = name();
        Reply reg = register(name);
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        JsonNode user = reg.json();
        assertThat(user.get("id").isIntegralNumber()).isTrue();
        assertThat(user.get("username").asText()).isEqualTo(name);
        assertThat(user.get("full_name").asText()).isEqualTo("Mesh Maker");
        assertThat(user.get("is_active").asBoolean()).isTrue();
        Reply token = gw.postForm("reconstruction", "/api/v1/auth/token", "username=" + name + "&password=Mesh12345");
        assertThat(token.status()).as(token.toString()).isEqualTo(200);
        assertThat(token.json().get("token_type").asText()).isEqualTo("bearer");
        Reply me = gw.get("reconstruction", "/api/v1/auth/me",
                "Authorization", "Bearer " + token.json().get("access_token").asText());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("id").asLong()).isEqualTo(user.get("id").asLong());
        Reply refreshed = gw.postJson("reconstruction", "/api/v1/auth/refresh",
                "{\"refresh_token\":\"" + token.json().get("refresh_token").asText() + "\"}");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.json().get("access_token").asText()).isNotEqualTo(token.json().get("access_token").asText());
    }

    @Test
    void errorClassesUseTheDetailFormat() {
        String name = name();
        register(name);
        assertDetail(register(name), 400);
        assertDetail(gw.postJson("reconstruction", "/api/v1/auth/register", "{\"username\":\"abc\"}"), 422);
        assertDetail(gw.postJson("reconstruction", "/api/v1/auth/register", "{\"username\":\"" + name()
                + "\",\"email\":\"x@example.com\",\"password\":\"short\"}"), 422);
        assertDetail(gw.postForm("reconstruction", "/api/v1/auth/token", "username=" + name + "&password=Wrong9999"), 401);
        assertDetail(gw.postForm("reconstruction", "/api/v1/auth/token", "username=" + name), 422);
        assertDetail(gw.postJson("reconstruction", "/api/v1/auth/token", "{\"username\":\"a\"}"), 422);
        assertDetail(gw.get("reconstruction", "/api/v1/auth/me"), 401);
        assertDetail(gw.get("reconstruction", "/api/v1/auth/me", "Authorization", "Bearer x.y.z"), 401);
        assertDetail(gw.postJson("reconstruction", "/api/v1/auth/refresh", "{\"refresh_token\":\"x.y.z\"}"), 401);
        assertDetail(gw.postJson("reconstruction", "/api/v1/auth/refresh", "{}"), 422);
    }
}
