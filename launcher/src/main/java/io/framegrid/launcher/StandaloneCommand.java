package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import java.time.Clock;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;

/** Coordinator + one gpu-node + gateway in one JVM on one embedded grid node. */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Run the whole cluster in this process (embedded Ignite, local storage, built-in models)")
final class StandaloneCommand extends RoleCommand {
    @Override
    String role() {
        return "standalone";
    }

    @Override
    String start(FramegridConfig config, Telemetry telemetry, RoleRunner runner) {
        NodeCapabilities capabilities = NodeCapabilities.probe();
        Ignite ignite = Components.serverGrid(runner, config, telemetry, "standalone", capabilities.asAttributes());
        CoordinatorServer coordinator = runner.started(
                new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start());
        GpuNode node = runner.started(new GpuNode(config, telemetry, ignite, capabilities).start());
        // The gateway reaches the coordinator over real gRPC, exactly as in a multi-host deployment.
        FramegridConfig.Gateway local = config.gateway().withCoordinatorTarget("127.0.0.1:" + coordinator.port());
        GatewayServer gateway = runner.started(new GatewayServer(local, telemetry).start());
        return "gRPC " + coordinator.port() + " | " + Components.surfacePorts(gateway) + " | data " + config.dataDir()
                + " | " + Components.adminPassword(config) + " | " + Components.detectors(node);
    }
}
