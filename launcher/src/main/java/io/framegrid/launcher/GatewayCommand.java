package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.observability.Telemetry;
import picocli.CommandLine.Command;

/** The REST gateway: stateless, talks to a coordinator over gRPC; run as many as needed. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Run the REST/WebSocket gateway in front of a coordinator")
final class GatewayCommand extends RoleCommand {
    @Override
    String role() {
        return "gateway";
    }

    @Override
    String start(FramegridConfig config, Telemetry telemetry, RoleRunner runner) {
        GatewayServer gateway = runner.started(new GatewayServer(config.gateway(), telemetry).start());
        return Components.surfacePorts(gateway) + " -> coordinator " + config.gateway().coordinatorTarget();
    }
}
