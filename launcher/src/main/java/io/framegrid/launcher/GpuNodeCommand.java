package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;

/** A gpu-node: a grid client node (its death costs the grid no data) with node-local compute services. */
@Command(name = "gpu-node", mixinStandardHelpOptions = true,
        description = "Run a gpu-node (grid client node + inference/compute services)")
final class GpuNodeCommand extends RoleCommand {
    @Override
    String role() {
        return "gpu-node";
    }

    @Override
    String start(FramegridConfig config, Telemetry telemetry, RoleRunner runner) {
        NodeCapabilities capabilities = NodeCapabilities.probe();
        Ignite ignite = Components.clientGrid(runner, config, telemetry, "gpu-node", capabilities.asAttributes());
        GpuNode node = runner.started(new GpuNode(config, telemetry, ignite, capabilities).start());
        return "gRPC " + node.port() + " | data " + config.dataDir() + " | " + Components.detectors(node);
    }
}
