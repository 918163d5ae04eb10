package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.fabric.grid.GridMetrics;
import io.framegrid.observability.MetricsServer;
import io.framegrid.observability.Telemetry;
import java.util.Map;
import org.apache.ignite.Ignite;

/** Starts the pieces roles are made of, registering each with the runner so it is stopped in order. */
final class Components {
    private Components() {}

    static Ignite serverGrid(RoleRunner runner, FramegridConfig config, Telemetry telemetry, String role,
                             Map<String, ?> attributes) {
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer(role, attributes);
        runner.started(() -> GridBootstrap.stop(ignite));
        GridMetrics.register(telemetry.registry(), ignite);
        GridMetrics.registerStorage(telemetry.registry(), ignite, config.grid().workDirectory());
        io.framegrid.observability.DiskMetrics.register(telemetry.registry(), config.dataDir());
        return ignite;
    }

    static Ignite clientGrid(RoleRunner runner, FramegridConfig config, Telemetry telemetry, String role,
                             Map<String, ?> attributes) {
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startClient(role, attributes);
        runner.started(ignite::close);
        GridMetrics.register(telemetry.registry(), ignite);
        // A gpu-node's local media store (and its temp files) live under the data folder too.
        io.framegrid.observability.DiskMetrics.register(telemetry.registry(), config.dataDir());
        return ignite;
    }

    /** Starts the JVM's {@code /metrics} server when enabled; returns its port, or -1 when metrics are off. */
    static int metrics(RoleRunner runner, FramegridConfig config, Telemetry telemetry) {
        if (config.metrics().enabled()) {
            MetricsServer server = new MetricsServer(telemetry, config.metrics().host(), config.metrics().port()).start();
            runner.started(server);
            org.slf4j.LoggerFactory.getLogger(Components.class).info("Prometheus metrics on port {} at /metrics", server.port());
            return server.port();
        }
        return -1;
    }

    /** Where the first administrator's password is, for the start-up summary. */
    static String adminPassword(FramegridConfig config) {
        java.nio.file.Path file = config.dataDir().resolve("initial-admin-password");
        if (java.nio.file.Files.isRegularFile(file)) {
            return "admin " + config.identity().adminEmail() + ", password in " + file;
        }
        if (!config.identity().adminPassword().isBlank()) {
            return "admin " + config.identity().adminEmail() + ", password from identity.admin.password";
        }
        return "admin " + config.identity().adminEmail() + " (password file removed; reset it with identity.admin.password)";
    }

    /** The node's active detectors, and a plain note when COCO detection is off for want of YOLOX-Nano. */
    static String detectors(io.framegrid.gpunode.GpuNode node) {
        io.framegrid.gpunode.models.ModelRegistry registry = node.inference().registry();
        java.util.List<String> active = registry.list().stream().map(io.framegrid.gpunode.models.ModelManifest::id)
                .filter(registry::isActive).toList();
        String list = "detectors " + (active.isEmpty() ? "none" : String.join(", ", active));
        if (registry.find("yolox-nano").isEmpty()) {
            list += " (COCO detection off: no YOLOX-Nano model installed; add one with "
                    + "'framegrid models add yolox_nano.onnx', see README \"Models\")";
        }
        return list;
    }

    static String surfacePorts(io.framegrid.gateway.GatewayServer gateway) {
        return gateway.ports().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(" | "));
    }
}
