package io.framegrid.gpunode.reconstruction;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one COLMAP command headless ({@code QT_QPA_PLATFORM=offscreen}) in a workspace: its output, stdout and stderr
 * merged, goes line by line to a sink (the job's log) and through {@link #progress} to a progress callback. A
 * watcher checks the cancel signal every 50 ms and kills the whole process tree (COLMAP's own threads and any child),
 * so a cancelled task leaves no colmap process behind within a second.
 */
final class ColmapRunner {
    /** Progress within one command: {@code Processed file [i/n]}, {@code Matching block [i/n, j/m]}, registering. */
    private static final Pattern PROCESSED = Pattern.compile("Processed file \\[(\\d+)/(\\d+)]");
    private static final Pattern BLOCK = Pattern.compile("Matching block \\[(\\d+)/(\\d+), (\\d+)/(\\d+)]");
    private static final Pattern IMAGE_PAIR = Pattern.compile("Matching image \\[(\\d+)/(\\d+)]");
    private static final Pattern REGISTERING = Pattern.compile("Registering image #\\d+ \\((\\d+)\\)");
    private static final long CANCEL_POLL_MS = 50;

    private final String executable;

    ColmapRunner(String executable) {
        this.executable = executable;
    }

    /** The path of {@code colmap} if it runs here (its help answers), else null. */
    static String locate(String configured) {
        String exe = configured == null || configured.isBlank() ? "colmap" : configured;
        try {
            Process p = new ProcessBuilder(exe, "help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return out.contains("COLMAP") ? exe : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Whether this COLMAP build has CUDA (dense stereo needs it); its banner says "with CUDA" or "without CUDA". */
    static boolean hasCuda(String executable) {
        try {
            Process p = new ProcessBuilder(executable, "help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            return out.contains("with CUDA") && !out.contains("without CUDA");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What a finished command printed (every line) and how it ended. */
    record Outcome(int exitCode, List<String> lines) {
        String tail(int n) {
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    /** Receives each progress fraction (0..1) a line reveals. */
    interface Progress {
        void fraction(double done);
    }

    /**
     * Runs {@code colmap <command> <args>} in {@code workdir}; throws {@link CancellationException} once
     * {@code cancelled} turns true (after the process tree is gone).
     */
    Outcome run(Path workdir, String command, List<String> args, Consumer<String> log, Progress progress,
            BooleanSupplier cancelled) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable);
        cmd.add(command);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workdir.toFile()).redirectErrorStream(true);
        pb.environment().put("QT_QPA_PLATFORM", "offscreen");
        Process process = pb.start();
        Thread watcher = new Thread(() -> {
            try {
                while (process.isAlive()) {
                    if (cancelled.getAsBoolean()) {
                        killTree(process);
                        return;
                    }
                    Thread.sleep(CANCEL_POLL_MS);
                }
            } catch (InterruptedException e) {
                killTree(process);
            }
        }, "colmap-cancel-" + process.pid());
        watcher.setDaemon(true);
        watcher.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.chars().allMatch(c -> c == '=')) {
                    log.accept(trimmed);
                }
                double f = fraction(trimmed);
                if (f >= 0) {
                    progress.fraction(f);
                }
            }
        } catch (IOException e) {
            // Process.destroyForcibly closes the process's streams, so a read racing the cancel watcher's kill
            // fails with "Stream closed"; that is the cancel, not an I/O failure.
            if (!cancelled.getAsBoolean()) {
                throw e;
            }
        } finally {
            if (process.isAlive() && !process.waitFor(5, TimeUnit.SECONDS)) {
                killTree(process);
            }
            watcher.interrupt();
        }
        int code = process.waitFor();
        if (cancelled.getAsBoolean()) {
            killTree(process);
            throw new CancellationException("colmap " + command + " cancelled");
        }
        return new Outcome(code, lines);
    }

    /** The progress a COLMAP output line shows, or -1 when it shows none. */
    static double fraction(String line) {
        Matcher m = PROCESSED.matcher(line);
        if (m.find()) {
            return ratio(m.group(1), m.group(2));
        }
        m = BLOCK.matcher(line);
        if (m.find()) {
            double outer = Double.parseDouble(m.group(1)) - 1;
            double outerN = Double.parseDouble(m.group(2));
            double inner = Double.parseDouble(m.group(3));
            double innerN = Double.parseDouble(m.group(4));
            return outerN <= 0 || innerN <= 0 ? -1 : (outer + inner / innerN) / outerN;
        }
        m = IMAGE_PAIR.matcher(line);
        if (m.find()) {
            return ratio(m.group(1), m.group(2));
        }
        return -1;
    }

    /** The number of images registered so far, from a mapper line, or -1. */
    static int registered(String line) {
        Matcher m = REGISTERING.matcher(line);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static double ratio(String a, String b) {
        double n = Double.parseDouble(b);
        return n <= 0 ? -1 : Math.min(1, Double.parseDouble(a) / n);
    }

    /** Kills descendants first (they would be re-parented otherwise), then the process itself. */
    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
