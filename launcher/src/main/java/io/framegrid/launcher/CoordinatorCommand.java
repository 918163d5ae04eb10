package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.observability.Telemetry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** A coordinator: an Ignite server node holding durable data, plus the public gRPC services. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = "Run a coordinator (grid server node + public gRPC services)")
final class CoordinatorCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorCommand.class);

    @Mixin
    RoleOptions options = new RoleOptions();

    @Override
    public Integer call() {
        FramegridConfig config = options.config();
        Telemetry telemetry = Telemetry.withJvmMetrics();
        RoleRunner runner = new RoleRunner();
        try {
            Ignite ignite = Components.serverGrid(runner, config, telemetry, "coordinator", Map.of());
            CoordinatorServer server = runner.started(
                    new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start());
            Components.metrics(runner, config, telemetry);
            log.info("Framegrid coordinator ready: gRPC {} | grid nodes {}", server.port(),
                    ignite.cluster().nodes().size());
        } catch (RuntimeException e) {
            log.error("Coordinator failed to start: {}", e.getMessage(), e);
            runner.closeAll();
            return 1;
        }
        return runner.awaitShutdown("coordinator");
    }
}
