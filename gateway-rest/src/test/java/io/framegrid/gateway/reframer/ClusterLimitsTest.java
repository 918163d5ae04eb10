package io.framegrid.gateway.reframer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.PermitLease;
import io.framegrid.sdk.FramegridClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway servers in front of one coordinator share each API key's hourly budget and concurrent-upload cap:
 * the counting lives in the grid, not in either gateway.
 */
class ClusterLimitsTest {
    private static final int HOURLY = 30;
    private static final Map<String, Object> LIMITS = Map.of(
            "gateway.reframer.requests-per-hour", HOURLY,
            "gateway.reframer.concurrent-uploads", 1);
    private static final String BOUNDARY = "----framegridlimits";

    @RegisterExtension
    static final GatewayExtension gatewayA = new GatewayExtension(LIMITS);

    private static FramegridClient clientB;
    private static GatewayServer gatewayB;

    @BeforeAll
    static void startSecondGateway() {
        Settings.Builder settings = IsolatedSettings.freeGatewayPorts(Settings.builder())
                .set("gateway.host", "127.0.0.1");
        LIMITS.forEach(settings::set);
        clientB = FramegridClient.builder(gatewayA.coordinator().target()).build();
        gatewayB = new GatewayServer(FramegridConfig.from(settings.build()).gateway(),
                new Telemetry(new PrometheusRegistry()), clientB, false).start();
    }

    @AfterAll
    static void stopSecondGateway() {
        if (gatewayB != null) gatewayB.close();
        if (clientB != null) clientB.close();
    }

    @Test
    void oneKeysHourlyBudgetIsSharedByBothGateways() {
        String key = register();
        for (int i = 0; i < HOURLY; i++) {
            Reply r = get(i % 2 == 0 ? "A" : "B", "/videos", key);
            assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            assertThat(r.header("X-RateLimit-Limit")).isEqualTo(String.valueOf(HOURLY));
            // Each gateway sees the other's requests: one count, not two.
            assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(HOURLY - 1 - i));
        }
        for (String gateway : new String[] {"A", "B"}) {
            Reply limited = get(gateway, "/videos", key);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
            assertThat(limited.json().get("detail").asText()).contains("Rate limit exceeded");
        }
        assertThat(get("B", "/videos", register()).status()).isEqualTo(200);
    }

    @Test
    void anUnknownKeyIs401AndCountsNothing() {
        Reply r = get("B", "/videos", "vr_" + "x".repeat(32));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().has("detail")).isTrue();
        assertThat(r.header("X-RateLimit-Remaining")).isNull();
    }

    @Test
    void oneKeysConcurrentUploadsAreCappedAcrossGateways() throws Exception {
        String key = register();
        // An upload stalled on gateway A holds the key's only slot ...
        try (Socket stalled = stalledUpload(port("A"), key)) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> upload("B", key).status() == 429);
            Reply busy = upload("B", key);
            assertThat(busy.status()).isEqualTo(429);
            assertThat(busy.json().get("detail").asText()).startsWith("Too many concurrent uploads");
        }
        // ... and gives it back when the client goes away (x.txt then reaches the format check: 400).
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> upload("B", key).status() == 400);
    }

    /** A gateway that took a permit and died never renews it: the lease lapses and the slot comes back. */
    @Test
    void aPermitOfAGatewayThatDiedLapses() {
        String key = register();
        PermitLease orphan = gatewayA.coordinator().client().withApiKey(key).identity()
                .acquirePermit("reframer.concurrent", 1, Duration.ofSeconds(30));
        assertThat(orphan.getGranted()).isTrue();
        assertThat(upload("B", key).status()).isEqualTo(429);
        gatewayA.coordinator().clock().advance(Duration.ofSeconds(31));
        Reply freed = upload("B", key);
        assertThat(freed.status()).as(freed.toString()).isEqualTo(400);
        assertThat(freed.json().get("detail").asText()).startsWith("Invalid file format");
        // The lapsed lease cannot be renewed by a holder that comes back late.
        assertThat(gatewayA.coordinator().client().withApiKey(key).identity()
                .renewPermit("reframer.concurrent", orphan.getLeaseId(), Duration.ofSeconds(30)).getGranted()).isFalse();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String register() {
        String email = "cl" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Reply r = gatewayA.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("api_key").asText();
    }

    private static int port(String gateway) {
        return gateway.equals("A") ? gatewayA.uri("reframer", "/").getPort() : gatewayB.port("reframer");
    }

    private static URI uri(String gateway, String path) {
        return URI.create("http://127.0.0.1:" + port(gateway) + path);
    }

    private static Reply get(String gateway, String path, String key) {
        return gatewayA.send(HttpRequest.newBuilder(uri(gateway, path)).GET(), "X-API-Key", key);
    }

    private static byte[] partHead(String filename) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A one-byte x.txt: past the limits it is refused for its format (400), so no gpu-node is needed. */
    private static Reply upload(String gateway, String key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(partHead("x.txt"));
        body.write('x');
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return gatewayA.send(HttpRequest.newBuilder(uri(gateway, "/process"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "X-API-Key", key);
    }

    /** Sends the headers and the file part's header of a 1 MiB upload, then nothing more. */
    private static Socket stalledUpload(int port, String key) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        byte[] head = partHead("slow.mp4");
        long length = head.length + (1L << 20) + ("\r\n--" + BOUNDARY + "--\r\n").length();
        socket.getOutputStream().write(("POST /process HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key
                + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nContent-Length: " + length
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(head);
        socket.getOutputStream().flush();
        return socket;
    }
}
