package io.framegrid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.http.Json;
import io.framegrid.sdk.FramegridClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real coordinator (via {@link CoordinatorExtension}) plus the real gateway on free ports, and an HTTP client. */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback {
    private final CoordinatorExtension coordinator;
    private final Map<String, Object> gatewayOverrides;
    private boolean coordinatorClock;
    private GatewayServer gateway;
    private FramegridClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public GatewayExtension(Map<String, Object> gatewayOverrides) {
        this.coordinator = new CoordinatorExtension();
        this.gatewayOverrides = gatewayOverrides;
    }

    /** The gateway's limits and Retry-After follow the coordinator's {@link CoordinatorExtension#clock()}. */
    public GatewayExtension withCoordinatorClock() {
        coordinatorClock = true;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        coordinator.beforeAll(context);
        Settings.Builder settings = IsolatedSettings.freeGatewayPorts(Settings.builder())
                .set("gateway.host", "127.0.0.1")
                .set("gateway.auth-rate-limit.per-minute", 10_000);
        gatewayOverrides.forEach(settings::set);
        FramegridConfig config = FramegridConfig.from(settings.build());
        client = FramegridClient.builder(coordinator.target()).build();
        gateway = new GatewayServer(config.gateway(), coordinator.telemetry(), client, false,
                coordinatorClock ? coordinator.clock() : Clock.systemUTC()).start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (gateway != null) gateway.close();
        if (client != null) client.close();
        coordinator.afterAll(context);
    }

    public CoordinatorExtension coordinator() {
        return coordinator;
    }

    public URI uri(String surface, String path) {
        return URI.create("http://127.0.0.1:" + gateway.port(surface) + path);
    }

    public Reply postJson(String surface, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(surface, path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return send(b, headers);
    }

    public Reply postForm(String surface, String path, String form, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(surface, path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        return send(b, headers);
    }

    public Reply putJson(String surface, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(surface, path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
        return send(b, headers);
    }

    public Reply get(String surface, String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(surface, path)).GET(), headers);
    }

    public Reply send(HttpRequest.Builder builder, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(builder.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response with its body parsed as JSON when it is JSON. */
    public record Reply(HttpResponse<String> response) {
        public int status() {
            return response.statusCode();
        }

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError("Not JSON: " + response.body(), e);
            }
        }

        public String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return response.statusCode() + " " + response.body();
        }
    }
}
