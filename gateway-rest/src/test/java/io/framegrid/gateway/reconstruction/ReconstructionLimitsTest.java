package io.framegrid.gateway.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface D's per-user limits as the reference configuration sets them: 10 requests per second on every route, 2 per
 * second on the COLMAP routes, {@code X-RateLimit-*} on each answer and 429 with {@code Retry-After} past them.
 */
class ReconstructionLimitsTest {
    static final String D = "reconstruction";

    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of());

    @Test
    void tenRequestsASecondPerUserThen429() {
        String token = user();
        Reply last = null;
        int ok = 0;
        for (int i = 0; i < 40; i++) {
            last = gateway.get(D, "/api/v1/projects", "Authorization", "Bearer " + token);
            if (last.status() == 429) {
                break;
            }
            assertThat(last.header("X-RateLimit-Limit")).isEqualTo("10");
            ok++;
        }
        assertThat(last.status()).as("40 requests in a row").isEqualTo(429);
        assertThat(ok).isGreaterThanOrEqualTo(1);
        assertThat(last.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(last.header("Retry-After")).isNotNull();
        assertThat(last.json().get("detail").asText()).contains("Rate limit");
        // Another user has a budget of their own.
        assertThat(gateway.get(D, "/api/v1/projects", "Authorization", "Bearer " + user()).status()).isEqualTo(200);
    }

    @Test
    void twoColmapRequestsASecondPerUserThen429() {
        String token = user();
        Reply created = gateway.postJson(D, "/api/v1/projects", "{\"name\":\"limits\"}", "Authorization",
                "Bearer " + token);
        long id = created.json().get("id").asLong();
        Reply last = null;
        for (int i = 0; i < 20; i++) {
            last = gateway.send(HttpRequest.newBuilder(gateway.uri(D, "/api/v1/projects/" + id
                    + "/start-reconstruction?quality=low")).POST(HttpRequest.BodyPublishers.noBody()),
                    "Authorization", "Bearer " + token);
            if (last.status() == 429) {
                break;
            }
            // Counted although refused for want of images.
            assertThat(last.status()).isEqualTo(400);
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.header("X-RateLimit-Limit")).isEqualTo("2");
    }

    static String user() {
        String name = "l" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        gateway.postJson(D, "/api/v1/auth/register", "{\"username\":\"" + name + "\",\"email\":\"" + name
                + "@example.com\",\"password\":\"Mesh12345\"}");
        return gateway.postForm(D, "/api/v1/auth/token", "username=" + name + "&password=Mesh12345").json()
                .get("access_token").asText();
    }
}
