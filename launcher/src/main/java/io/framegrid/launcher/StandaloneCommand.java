package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import io.grpc.ManagedChannel;
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
        // The gateway shares this process with the coordinator, so it calls it in-process: the same services,
        // interceptors and authentication as over the network, without loopback sockets, HTTP/2 framing and protobuf
        // serialisation on the two cores a small node has. Clients of this standalone still use the gRPC port, and
        // multi-host gateways the network server (their tests cover that path).
        ManagedChannel coordinatorChannel = coordinator.inProcessChannel();
        runner.started(coordinatorChannel::shutdownNow);
        GatewayServer gateway = runner.started(new GatewayServer(config.gateway(), telemetry,
                FramegridClient.builder(coordinatorChannel).build(), true).start());
        return "gRPC " + coordinator.port() + " | " + Components.surfacePorts(gateway) + " | data " + config.dataDir()
                + " | " + Components.adminPassword(config) + " | " + Components.detectors(node);
    }
}
