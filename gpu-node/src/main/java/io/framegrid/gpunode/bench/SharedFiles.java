package io.framegrid.gpunode.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only shared folder of sample media and models: system property {@code framegrid.shared},
 * else environment {@code FRAMEGRID_SHARED}, else {@code ../shared} from the repository root.
 */
public final class SharedFiles {

    private SharedFiles() {
    }

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
