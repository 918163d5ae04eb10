package io.framegrid.launcher.bench;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** What the upload benchmarks compare with: {@code dd} on the same disk, and the statistics of alternating rounds. */
final class DiskBaseline {
    private DiskBaseline() {
    }

    /** A file of {@code mb} MiB of random bytes, durable before any measured write reads it. */
    static void writeRandom(Path file, int mb) throws Exception {
        byte[] block = new byte[1 << 20];
        Random random = new Random(1);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < mb; i++) {
                random.nextBytes(block);
                ByteBuffer buffer = ByteBuffer.wrap(block);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            out.force(true);
        }
    }

    /**
     * Raw sequential write speed of the same disk, measured by dd in this run: the same bytes the upload sends
     * (the random source file, in the page cache for both; not /dev/zero, which a virtual disk may store more
     * cheaply), 1 MiB blocks, timed until the data is durable ({@code durability}: dd's conv/oflag operands).
     */
    static double dd(Path source, Path file, int mb, String... durability) throws Exception {
        long t0 = System.nanoTime();
        List<String> command = new ArrayList<>(List.of("dd", "if=" + source, "of=" + file, "bs=1M", "count=" + mb));
        command.addAll(Arrays.asList(durability));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("dd failed");
        }
        double mbps = mb / ((System.nanoTime() - t0) / 1e9);
        Files.deleteIfExists(file);
        return mbps;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The rounds' figures, rounded: {@code [612, 598, ...]}. */
    static String rates(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (double v : values) {
            sb.append(sb.length() > 1 ? ", " : "").append(Math.round(v));
        }
        return sb.append(']').toString();
    }
}
