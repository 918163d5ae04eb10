package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** A gpu-node: a grid client node (its death costs the grid no data) with node-local compute services. */
@Command(name = "gpu-node", mixinStandardHelpOptions = true,
        description = "Run a gpu-node (grid client node + inference/compute services)")
final class GpuNodeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GpuNodeCommand.class);

    @Mixin
    RoleOptions options = new RoleOptions();

    @Override
    public Integer call() {
        FramegridConfig config = options.config();
        Telemetry telemetry = Telemetry.withJvmMetrics();
        RoleRunner runner = new RoleRunner();
        try {
            NodeCapabilities capabilities = NodeCapabilities.probe();
            Ignite ignite = Components.clientGrid(runner, config, telemetry, "gpu-node", capabilities.asAttributes());
            GpuNode node = runner.started(new GpuNode(config, telemetry, ignite, capabilities).start());
            Components.metrics(runner, config, telemetry);
            log.info("Framegrid gpu-node ready: gRPC {}", node.port());
        } catch (RuntimeException e) {
            log.error("gpu-node failed to start: {}", e.getMessage(), e);
            runner.closeAll();
            return 1;
        }
        return runner.awaitShutdown("gpu-node");
    }
}
