package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Coordinator + one gpu-node + gateway in one JVM on one embedded grid node. */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Run the whole cluster in this process (embedded Ignite, local storage, built-in models)")
final class StandaloneCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StandaloneCommand.class);

    @Mixin
    RoleOptions options = new RoleOptions();

    @Override
    public Integer call() {
        FramegridConfig config = options.config();
        Telemetry telemetry = Telemetry.withJvmMetrics();
        RoleRunner runner = new RoleRunner();
        try {
            NodeCapabilities capabilities = NodeCapabilities.probe();
            Ignite ignite = Components.serverGrid(runner, config, telemetry, "standalone", capabilities.asAttributes());
            CoordinatorServer coordinator = runner.started(
                    new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start());
            runner.started(new GpuNode(config, telemetry, ignite, capabilities).start());
            FramegridConfig.Gateway gw = config.gateway();
            // The gateway reaches the coordinator over real gRPC, exactly as in a multi-host deployment.
            FramegridConfig.Gateway local = new FramegridConfig.Gateway("127.0.0.1:" + coordinator.port(), gw.host(),
                    gw.studioPort(), gw.annotationPort(), gw.reframerPort(), gw.reconstructionPort(), gw.detectionPort(),
                    gw.adminPort(), gw.maxJsonBodyBytes(), gw.authRateLimitPerMinute(), gw.reframer());
            GatewayServer gateway = runner.started(new GatewayServer(local, telemetry).start());
            Components.metrics(runner, config, telemetry);
            log.info("Framegrid standalone ready: gRPC {} | studio {} | annotation {} | reframer {} | reconstruction {}"
                            + " | detection {} | admin {} | data {}", coordinator.port(), gateway.port("studio"),
                    gateway.port("annotation"), gateway.port("reframer"), gateway.port("reconstruction"),
                    gateway.port("detection"), gateway.port("admin"), config.dataDir());
        } catch (RuntimeException e) {
            log.error("Standalone cluster failed to start: {}", e.getMessage(), e);
            runner.closeAll();
            return 1;
        }
        return runner.awaitShutdown("standalone");
    }
}
