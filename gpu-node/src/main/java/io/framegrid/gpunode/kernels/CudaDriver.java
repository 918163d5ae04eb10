package io.framegrid.gpunode.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the CUDA driver library can be loaded here, answered without touching JCuda: JCuda's answer to a missing
 * driver is an {@link UnsatisfiedLinkError} whose message holds every load attempt's stack trace, and an error on
 * every later call. So callers look for {@code libcuda.so.1} first, where the dynamic linker would.
 */
public final class CudaDriver {
    static final String LIBRARY = "libcuda.so.1";
    private static final Path LD_CACHE = Path.of("/etc/ld.so.cache");
    private static final List<String> SYSTEM_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/compat", "/usr/lib/wsl/lib");

    private CudaDriver() {
    }

    /** Why the driver cannot load here (e.g. {@code no libcuda.so.1}), or empty when it is worth asking JCuda. */
    public static Optional<String> missing() {
        List<Path> dirs = new ArrayList<>();
        for (String var : List.of(System.getenv().getOrDefault("LD_LIBRARY_PATH", ""),
                System.getProperty("java.library.path", ""))) {
            for (String dir : var.split(":")) {
                if (!dir.isBlank()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        SYSTEM_DIRS.forEach(d -> dirs.add(Path.of(d)));
        return missing(dirs, LD_CACHE);
    }

    static Optional<String> missing(List<Path> dirs, Path ldCache) {
        for (Path dir : dirs) {
            if (Files.exists(dir.resolve(LIBRARY))) {
                return Optional.empty();
            }
        }
        // The linker's cache names every library of the directories ld.so.conf lists.
        try {
            if (Files.isReadable(ldCache) && new String(Files.readAllBytes(ldCache), StandardCharsets.ISO_8859_1)
                    .contains(LIBRARY)) {
                return Optional.empty();
            }
        } catch (IOException e) {
            // An unreadable cache is as good as none: the directories above were the answer.
        }
        return Optional.of("no " + LIBRARY);
    }

    /** The first line of what JCuda threw, for a one-line log; the whole of it belongs at DEBUG. */
    public static String brief(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        String first = message.lines().findFirst().orElse("").trim();
        return first.length() > 160 ? first.substring(0, 160) + "…" : first;
    }
}
