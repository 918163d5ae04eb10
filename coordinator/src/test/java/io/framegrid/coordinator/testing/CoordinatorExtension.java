package io.framegrid.coordinator.testing;

import io.framegrid.fabric.testing.MutableClock;
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
 * Starts a real private grid node and a real coordinator for a test class, with a test clock, and an SDK client
 * connected to it. The coordinator's services are served as production serves them, through
 * {@link CoordinatorServer#configure}; by default on a real socket on a free port ({@link #target()}), or on the
 * transport a test passes (e.g. {@link InProcessTransport}) where the transport is not what is tested.
 */
public final class CoordinatorExtension implements BeforeAllCallback, AfterAllCallback {
    /** How the test's client reaches the coordinator's services. */
    public interface Transport extends AutoCloseable {
        /** Serves {@code server}'s services and returns a client connected to them. */
        FramegridClient open(CoordinatorServer server) throws IOException;

        /** Host and port of the served services, for clients of other modules; refused when there is none. */
        String target();

        @Override
        void close();
    }

    /** The production transport: {@link CoordinatorServer#start()} binds a Netty server on a free port. */
    private static final class Sockets implements Transport {
        private CoordinatorServer server;
        private FramegridClient client;

        @Override
        public FramegridClient open(CoordinatorServer server) {
            this.server = server.start();
            this.client = FramegridClient.builder(target()).build();
            return client;
        }

        @Override
        public String target() {
            return "127.0.0.1:" + server.port();
        }

        @Override
        public void close() {
            if (client != null) client.close();
        }
    }

    private final Map<String, Object> overrides;
    private final Transport transport;
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
        this(overrides, new Sockets());
    }

    public CoordinatorExtension(Map<String, Object> overrides, Transport transport) {
        this.overrides = overrides;
        this.transport = transport;
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
        server = new CoordinatorServer(ignite, config, telemetry, clock);
        client = transport.open(server);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        transport.close();
        if (server != null) server.close();
        if (ignite != null) ignite.close();
        if (dataDir != null) deleteRecursively(dataDir);
    }

    /**
     * A full restart of this one-node cluster: the coordinator and its grid node stop, then start again on the same
     * data directory and configuration (persistence is what carries the state across); {@link #client()},
     * {@link #ignite()}, {@link #server()} and {@link #telemetry()} then name the new ones. The clock is kept.
     */
    public void restart() {
        transport.close();
        server.close();
        ignite.close();
        telemetry = new Telemetry(new PrometheusRegistry());
        ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("coordinator", Map.of());
        server = new CoordinatorServer(ignite, config, telemetry, clock);
        try {
            client = transport.open(server);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public FramegridClient client() { return client; }
    public MutableClock clock() { return clock; }
    public Ignite ignite() { return ignite; }
    public CoordinatorServer server() { return server; }
    public FramegridConfig config() { return config; }
    public Telemetry telemetry() { return telemetry; }
    public String target() { return transport.target(); }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
