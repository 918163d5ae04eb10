package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.observability.Telemetry;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The REST gateway: stateless, talks to a coordinator over gRPC; run as many as needed. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Run the REST/WebSocket gateway in front of a coordinator")
final class GatewayCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GatewayCommand.class);

    @Mixin
    RoleOptions options = new RoleOptions();

    @Override
    public Integer call() {
        FramegridConfig config = options.config();
        Telemetry telemetry = Telemetry.withJvmMetrics();
        RoleRunner runner = new RoleRunner();
        try {
            GatewayServer gateway = runner.started(new GatewayServer(config.gateway(), telemetry).start());
            Components.metrics(runner, config, telemetry);
            log.info("Framegrid gateway ready: studio {} | annotation {} | reframer {} | reconstruction {} | detection {}"
                            + " | admin {} -> coordinator {}", gateway.port("studio"), gateway.port("annotation"),
                    gateway.port("reframer"), gateway.port("reconstruction"), gateway.port("detection"),
                    gateway.port("admin"), config.gateway().coordinatorTarget());
        } catch (RuntimeException e) {
            log.error("Gateway failed to start: {}", e.getMessage(), e);
            runner.closeAll();
            return 1;
        }
        return runner.awaitShutdown("gateway");
    }
}
