package io.framegrid.config.local;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only shared folder of sample media and models that tests and benchmarks read: system property
 * {@code framegrid.shared} (what {@code --shared} sets), else environment {@code FRAMEGRID_SHARED}, else
 * {@code ../shared} beside the repository. The build sets the property only while the variable is unset.
 */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** The shared folder, absolute and normalized (it need not exist). */
    public static Path root() {
        String prop = System.getProperty("framegrid.shared");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        String env = System.getenv("FRAMEGRID_SHARED");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        // Run from the repository root or from a module folder.
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isDirectory(p.resolve("gpu-node")) && Files.isDirectory(candidate)) {
                return candidate.normalize();
            }
        }
        return cwd.resolve("../shared").normalize();
    }

    public static Path media(String name) {
        return root().resolve("media").resolve(name);
    }

    public static Path models() {
        return root().resolve("models");
    }
}
