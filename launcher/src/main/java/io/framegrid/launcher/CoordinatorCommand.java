package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.observability.Telemetry;
import java.time.Clock;
import java.util.Map;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;

/** A coordinator: an Ignite server node holding durable data, plus the public gRPC services. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = "Run a coordinator (grid server node + public gRPC services)")
final class CoordinatorCommand extends RoleCommand {
    @Override
    String role() {
        return "coordinator";
    }

    @Override
    String start(FramegridConfig config, Telemetry telemetry, RoleRunner runner) {
        Ignite ignite = Components.serverGrid(runner, config, telemetry, "coordinator", Map.of());
        CoordinatorServer server = runner.started(
                new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start());
        return "gRPC " + server.port() + " | grid nodes " + ignite.cluster().nodes().size() + " | data " + config.dataDir()
                + " | " + Components.adminPassword(config);
    }
}
