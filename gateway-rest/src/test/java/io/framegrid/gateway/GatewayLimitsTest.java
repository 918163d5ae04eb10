package io.framegrid.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GatewayLimitsTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of(
            "gateway.auth-rate-limit.per-minute", 5,
            "gateway.max-json-body-bytes", 1024)).withCoordinatorClock();

    @AfterEach
    void resetClock() {
        gw.coordinator().clock().reset();
    }

    @Test
    void authEndpointsAreRateLimitedPerClientWithHeaders() {
        Reply last = null;
        for (int i = 0; i < 5; i++) {
            last = gw.postJson("detection", "/api/auth/login", "{\"username\":\"ghost\",\"password\":\"Nope12345\"}");
            assertThat(last.status()).isEqualTo(401);
            assertThat(last.header("X-RateLimit-Limit")).isEqualTo("5");
            assertThat(last.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(4 - i));
        }
        Reply limited = gw.postJson("detection", "/api/auth/login", "{\"username\":\"ghost\",\"password\":\"Nope12345\"}");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("error").get("code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(limited.header("Retry-After")).isNotNull();
        assertThat(Long.parseLong(limited.header("X-RateLimit-Reset"))).isGreaterThan(System.currentTimeMillis() / 1000 - 1);
        // Limits are per surface: another surface still answers.
        assertThat(gw.postJson("studio", "/api/v1/auth/login", "{\"email\":\"g@example.com\",\"password\":\"Nope12345\"}")
                .status()).isEqualTo(401);
    }

    @Test
    void theAuthWindowFollowsTheInjectedClock() {
        String login = "{\"email\":\"ghost@example.com\",\"password\":\"Nope12345\"}";
        for (int i = 0; i < 5; i++) {
            assertThat(gw.postJson("annotation", "/api/auth/login", login).status()).isEqualTo(401);
        }
        Reply limited = gw.postJson("annotation", "/api/auth/login", login);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("status").asText()).isEqualTo("error");
        long reset = Long.parseLong(limited.header("X-RateLimit-Reset"));
        long now = gw.coordinator().clock().millis() / 1000;
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 61L).isEqualTo(Math.max(1, reset - now));
        gw.coordinator().clock().advance(Duration.ofSeconds(61));
        Reply again = gw.postJson("annotation", "/api/auth/login", login);
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.header("X-RateLimit-Remaining")).isEqualTo("4");
    }

    @Test
    void oversizedBodiesAre413InTheSurfaceFormat() {
        String big = "{\"email\":\"" + "a".repeat(4096) + "@example.com\"}";
        Reply reply = gw.postJson("reframer", "/register", big);
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().get("detail").asText()).isEqualTo("Request body too large");
    }
}
