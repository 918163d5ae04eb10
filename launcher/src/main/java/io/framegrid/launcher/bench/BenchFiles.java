package io.framegrid.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Scratch directories of the benchmarks. */
final class BenchFiles {
    private BenchFiles() {
    }

    /** Deletes a scratch tree; best effort, since a benchmark's figures matter more than its leftovers. */
    static void deleteQuietly(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // Best effort.
        }
    }
}
