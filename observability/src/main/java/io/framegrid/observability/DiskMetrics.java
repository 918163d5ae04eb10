package io.framegrid.observability;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Free and total space of the file system holding a role's data folder (grid pages, WAL, local media). */
public final class DiskMetrics {
    private DiskMetrics() {}

    public static void register(PrometheusRegistry registry, Path dataDir) {
        GaugeWithCallback.builder()
                .name("framegrid_data_dir_free_bytes")
                .help("Bytes still available to this process on the file system of its data folder")
                .unit(Unit.BYTES)
                .callback(cb -> {
                    FileStore store = store(dataDir);
                    if (store != null) {
                        try {
                            cb.call(store.getUsableSpace());
                        } catch (IOException ignored) {
                            // No sample this scrape: the folder is being moved or its disk is gone.
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_data_dir_size_bytes")
                .help("Total size of the file system of this process's data folder")
                .unit(Unit.BYTES)
                .callback(cb -> {
                    FileStore store = store(dataDir);
                    if (store != null) {
                        try {
                            cb.call(store.getTotalSpace());
                        } catch (IOException ignored) {
                            // As above.
                        }
                    }
                })
                .register(registry);
    }

    // The folder may not exist yet on a first start: measure the nearest existing parent's file system.
    private static FileStore store(Path dataDir) {
        Path p = dataDir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? null : Files.getFileStore(p);
        } catch (IOException e) {
            return null;
        }
    }
}
