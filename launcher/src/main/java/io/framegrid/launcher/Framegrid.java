package io.framegrid.launcher;

import io.framegrid.config.settings.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code framegrid} command: starts any role of the cluster, or all of them in one process. */
@Command(name = "framegrid", mixinStandardHelpOptions = true, version = "framegrid 0.1.0",
        description = "gRPC-first compute cluster for video AI",
        subcommands = {StandaloneCommand.class, CoordinatorCommand.class, GpuNodeCommand.class, GatewayCommand.class,
                ConfigCommand.class, io.framegrid.launcher.bench.BenchCommand.class,
                io.framegrid.launcher.models.ModelsCommand.class, io.framegrid.launcher.cli.JobsCommand.class,
                io.framegrid.launcher.cli.ReframeCommand.class})
public final class Framegrid implements Runnable {
    public static void main(String[] args) {
        // Must precede any networking or Ignite class initialisation.
        setIfAbsent("java.net.preferIPv4Stack", "true");
        setIfAbsent("IGNITE_NO_ASCII", "true");
        // Not quiet mode: quiet mode prints Ignite's banner and topology lines straight to stdout; with it off they
        // go through the logger, where logback.xml keeps Ignite to errors.
        setIfAbsent("IGNITE_QUIET", "false");
        setIfAbsent("IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED", "true");
        setIfAbsent("IGNITE_UPDATE_NOTIFIER", "false");
        setIfAbsent("IGNITE_NO_SHUTDOWN_HOOK", "true");
        System.exit(run(args));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Framegrid());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable root = e;
            while (root.getCause() != null && !(root instanceof ConfigException)) {
                root = root.getCause();
            }
            if (root instanceof ConfigException) {
                commandLine.getErr().println("Configuration error: " + root.getMessage());
                return 2;
            }
            // CLI commands report refusals and unreachable servers in one line, not a stack trace.
            if (e instanceof io.framegrid.sdk.FramegridException || e instanceof IllegalArgumentException
                    || e instanceof io.framegrid.launcher.cli.ReframeCommand.CliException
                    || e instanceof java.net.ConnectException) {
                commandLine.getErr().println("framegrid " + commandLine.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
