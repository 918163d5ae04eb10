package io.framegrid.coordinator.testing;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real private grid node and a real coordinator gRPC server on free ports for a test class,
 * with a test clock, and an SDK client connected to it.
 */
public final class CoordinatorExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, Object> overrides;
    private final MutableClock clock = new MutableClock();
    private Path dataDir;
    private Ignite ignite;
    private CoordinatorServer server;
    private FramegridClient client;
    private FramegridConfig config;
    private Telemetry telemetry;

    public CoordinatorExtension() {
        this(Map.of());
    }

    public CoordinatorExtension(Map<String, Object> overrides) {
        this.overrides = overrides;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("framegrid-coordinator-test");
        Settings.Builder settings = IsolatedSettings.builder(dataDir, "coord-test-" + UUID.randomUUID());
        settings.set("identity.admin.password", "AdminPass123");
        overrides.forEach(settings::set);
        config = FramegridConfig.from(settings.build());
        telemetry = new Telemetry(new PrometheusRegistry());
        ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("coordinator", Map.of());
        server = new CoordinatorServer(ignite, config, telemetry, clock).start();
        client = FramegridClient.builder("127.0.0.1:" + server.port()).build();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (client != null) client.close();
        if (server != null) server.close();
        if (ignite != null) ignite.close();
        if (dataDir != null) deleteRecursively(dataDir);
    }

    public FramegridClient client() { return client; }
    public MutableClock clock() { return clock; }
    public Ignite ignite() { return ignite; }
    public CoordinatorServer server() { return server; }
    public FramegridConfig config() { return config; }
    public Telemetry telemetry() { return telemetry; }
    public String target() { return "127.0.0.1:" + server.port(); }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
