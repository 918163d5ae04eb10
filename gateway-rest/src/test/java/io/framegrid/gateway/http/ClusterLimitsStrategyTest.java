package io.framegrid.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.reframer.ReframerSurface;
import io.framegrid.sdk.FramegridClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ClusterLimits#requestStrategy} through Armeria's ThrottlingService answers as the reframer's job routes do. */
class ClusterLimitsStrategyTest {
    private static final int HOURLY = 3;

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static FramegridClient client;
    private static Server server;

    @BeforeAll
    static void startThrottledRoute() {
        client = FramegridClient.builder(gw.coordinator().target()).build();
        Endpoints endpoints = new Endpoints(ReframerSurface.CONVENTIONS);
        ClusterLimits limits = new ClusterLimits(client, "strategy-test", HOURLY, Duration.ofHours(1), 1,
                Duration.ofSeconds(60), gw.coordinator().clock());
        server = Server.builder().http(0)
                .errorHandler(endpoints.serverErrorHandler())
                .service("/limited", ((com.linecorp.armeria.server.HttpService) (ctx, req) -> HttpResponse.of(HttpStatus.OK))
                        .decorate(endpoints.throttled(limits.requestStrategy(Credentials::apiKey))))
                .build();
        server.start().join();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop().join();
        if (client != null) client.close();
    }

    @Test
    void countsPerKeyThenAnswers429WithRetryAfter() {
        String key = register();
        for (int i = 0; i < HOURLY; i++) {
            Reply ok = get(key);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.header("X-RateLimit-Limit")).isEqualTo(String.valueOf(HOURLY));
            assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(HOURLY - 1 - i));
        }
        Reply limited = get(key);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("detail").asText()).isEqualTo("Rate limit exceeded: 3 requests per hour");
        long reset = Long.parseLong(limited.header("X-RateLimit-Reset"));
        assertThat(Long.parseLong(limited.header("Retry-After")))
                .isEqualTo(Math.max(1, reset - gw.coordinator().clock().millis() / 1000));
    }

    @Test
    void aMissingOrUnknownKeyIs401AndCountsNothing() {
        Reply missing = gw.send(HttpRequest.newBuilder(uri()).GET());
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("detail").asText()).isEqualTo("Missing API key");
        Reply unknown = get("vr_" + "x".repeat(32));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.header("X-RateLimit-Remaining")).isNull();
    }

    private static String register() {
        String email = "st" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        return gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}").json().get("api_key").asText();
    }

    private static URI uri() {
        return URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/limited");
    }

    private static Reply get(String key) {
        return gw.send(HttpRequest.newBuilder(uri()).GET(), "X-API-Key", key);
    }
}
