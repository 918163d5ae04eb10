package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.observability.Telemetry;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;

/**
 * The life of every role: load configuration, start components (each registered with the runner so a
 * failed start or a SIGTERM closes them in reverse order), serve metrics, announce readiness, wait.
 */
abstract class RoleCommand implements Callable<Integer> {
    private final Logger log = LoggerFactory.getLogger(getClass());

    @Mixin
    RoleOptions options = new RoleOptions();

    /** The role's name in logs: "Framegrid &lt;role&gt; ready" is what operators and tests wait for. */
    abstract String role();

    /** Starts the role's components, registering each with {@code runner}; returns the readiness summary. */
    abstract String start(FramegridConfig config, Telemetry telemetry, RoleRunner runner);

    @Override
    public final Integer call() {
        FramegridConfig config = options.config();
        Telemetry telemetry = Telemetry.withJvmMetrics();
        RoleRunner runner = new RoleRunner();
        try {
            String summary = start(config, telemetry, runner);
            int metrics = Components.metrics(runner, config, telemetry);
            log.info("Framegrid {} ready: {}{}", role(), summary, metrics > 0 ? " | metrics " + metrics : "");
        } catch (RuntimeException e) {
            log.error("Framegrid {} failed to start: {}", role(), e.getMessage(), e);
            runner.closeAll();
            return 1;
        }
        return runner.awaitShutdown(role());
    }
}
