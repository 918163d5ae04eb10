package io.framegrid.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A Framegrid role running in its own JVM, started either from the fat jar or from this test's
 * classpath, with its output captured so tests can wait for log lines instead of sleeping.
 */
public final class FramegridProcess implements AutoCloseable {
    private static final Logger report = LoggerFactory.getLogger(FramegridProcess.class);
    private final Process process;
    private final String name;
    private final Path log;

    private FramegridProcess(String name, List<String> command) throws IOException {
        this.name = name;
        // Output goes to a file, not a pipe: the JDK closes a child's pipe when it exits, and a reader
        // racing that close loses the last lines (exactly the shutdown lines tests look for).
        this.log = Files.createTempFile("framegrid-" + name, ".log");
        this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
    }

    /** {@code java -jar framegrid.jar <args>}: the artifact users run. */
    public static FramegridProcess fromJar(String name, Path jar, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx768m", "-jar", jar.toString()));
        command.addAll(args);
        return new FramegridProcess(name, command);
    }

    /** The launcher main class on this test's classpath, with the same JDK opens the tests run with. */
    public static FramegridProcess fromClasspath(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx512m"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("-DIGNITE") || arg.startsWith("-Djava.net")) {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Framegrid.class.getName());
        command.addAll(args);
        return new FramegridProcess(name, command);
    }

    /**
     * As {@link #fromClasspath} inside the network namespace {@code namespace} ({@code ip netns exec}, which
     * execs the JVM: signals reach it directly).
     */
    public static FramegridProcess inNetworkNamespace(String name, String namespace, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, javaBin(), "-Xmx384m"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("-DIGNITE") || arg.startsWith("-Djava.net")) {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Framegrid.class.getName());
        command.addAll(args);
        return new FramegridProcess(name, command);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public boolean printed(String fragment) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains(fragment);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Everything the process printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Path log() {
        return log;
    }

    public void awaitOutput(String fragment, Duration timeout) {
        Awaitility.await(name + " printing '" + fragment + "'").atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive() && !printed(fragment)) {
                        throw new AssertionError(name + " exited with " + process.exitValue() + " before '" + fragment + "'");
                    }
                    return printed(fragment);
                });
    }

    /** SIGTERM, as an operator or an orchestrator stops a node; returns the exit code. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within " + timeout);
        }
        return process.exitValue();
    }

    /** The process id (with {@link #inNetworkNamespace}, the JVM's own: {@code ip netns exec} execs it). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try {
            // Kept in the test report for diagnosis, then removed.
            Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.contains("|-"))
                    .forEach(line -> report.info("[{}] {}", name, line));
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // Diagnostics only.
        }
    }
}
