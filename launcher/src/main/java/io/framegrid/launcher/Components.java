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

    static void metrics(RoleRunner runner, FramegridConfig config, Telemetry telemetry) {
        if (config.metrics().enabled()) {
            MetricsServer server = new MetricsServer(telemetry, config.metrics().host(), config.metrics().port()).start();
            runner.started(server);
            org.slf4j.LoggerFactory.getLogger(Components.class).info("Prometheus metrics on port {} at /metrics", server.port());
        }
    }

    static String surfacePorts(io.framegrid.gateway.GatewayServer gateway) {
        return gateway.ports().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(" | "));
    }
}
