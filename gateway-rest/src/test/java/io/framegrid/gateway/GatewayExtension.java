package io.framegrid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.http.Json;
import io.framegrid.sdk.FramegridClient;
import java.io.IOException;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ignite.Ignite;
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

/**
 * A real coordinator (via {@link CoordinatorExtension}) plus the real gateway on free ports, and an HTTP client;
 * with {@link #withGpuNode()} also a real gpu-node (task worker, media, the shared models, CPU kernels) in the same
 * private grid, sharing the coordinator's local media store as in standalone.
 */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback {
    private final CoordinatorExtension coordinator;
    private final Map<String, Object> gatewayOverrides;
    private boolean coordinatorClock;
    private boolean gpuNode;
    private Path nodeModels;
    private Path nodeDir;
    private Ignite nodeGrid;
    private GpuNode node;
    private GatewayServer gateway;
    private FramegridClient client;
    // HTTP/1.1 as curl and browsers speak to an http:// port: the JDK client's default h2c upgrade on a fresh
    // connection was seen to end in "EOF reached while reading" on the loaded CI machine (OpenApiTest, twice).
    private final HttpClient http = testHttpClient();

    /** The client every gateway test uses for plain HTTP: HTTP/1.1, a short connect timeout. */
    public static HttpClient testHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public GatewayExtension(Map<String, Object> gatewayOverrides) {
        this.coordinator = new CoordinatorExtension();
        this.gatewayOverrides = gatewayOverrides;
    }

    /** The gateway's limits and Retry-After follow the coordinator's {@link CoordinatorExtension#clock()}. */
    public GatewayExtension withCoordinatorClock() {
        coordinatorClock = true;
        return this;
    }

    /** A gpu-node joins the coordinator's grid before the tests run and leaves it before the coordinator stops. */
    public GatewayExtension withGpuNode() {
        gpuNode = true;
        return this;
    }

    /** As {@link #withGpuNode()}, the node's models folder {@code models} instead of the shared models. */
    public GatewayExtension withGpuNode(Path models) {
        nodeModels = models;
        return withGpuNode();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        coordinator.beforeAll(context);
        if (gpuNode) startGpuNode(context.getRequiredTestClass().getSimpleName());
        Settings.Builder settings = IsolatedSettings.freeGatewayPorts(Settings.builder())
                .set("gateway.host", "127.0.0.1")
                .set("gateway.auth-rate-limit.per-minute", 10_000);
        gatewayOverrides.forEach(settings::set);
        FramegridConfig config = FramegridConfig.from(settings.build());
        client = FramegridClient.builder(coordinator.target()).build();
        gateway = new GatewayServer(config.gateway(), coordinator.telemetry(), client, false,
                coordinatorClock ? coordinator.clock() : Clock.systemUTC()).start();
    }

    private void startGpuNode(String name) throws Exception {
        nodeDir = Files.createTempDirectory("framegrid-node-" + name);
        Settings.Builder settings = IsolatedSettings.forDiscovery(nodeDir, name + "-" + UUID.randomUUID(),
                LocalPorts.free(), "127.0.0.1:" + coordinator.config().grid().discoveryPort());
        settings.set("gpu-node.models.dir", (nodeModels == null ? SharedFiles.models() : nodeModels).toString());
        settings.set("gpu-node.kernels.cuda", false);
        settings.set("gpu-node.grpc.port", 0);
        settings.set("gpu-node.grpc.host", "127.0.0.1");
        settings.set("media.local.dir", coordinator.config().media().localDir().toString());
        FramegridConfig config = FramegridConfig.from(settings.build());
        NodeCapabilities capabilities = NodeCapabilities.probe();
        nodeGrid = new GridBootstrap(config.grid(), new CacheCatalog(0)).startClient("gpu-node", capabilities.asAttributes());
        node = new GpuNode(config, new Telemetry(new PrometheusRegistry()), nodeGrid, capabilities).start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (gateway != null) gateway.close();
        if (client != null) client.close();
        if (node != null) node.close();
        if (nodeGrid != null) nodeGrid.close();
        if (nodeDir != null) CoordinatorExtension.deleteRecursively(nodeDir);
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
