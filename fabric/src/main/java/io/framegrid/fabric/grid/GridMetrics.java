package io.framegrid.fabric.grid;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.ignite.DataRegionMetrics;
import org.apache.ignite.Ignite;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;

/** Ignite cluster size as this node sees it, and a server node's memory regions and persistence, read at scrape time. */
public final class GridMetrics {
    private GridMetrics() {}

    public static void register(PrometheusRegistry registry, Ignite ignite) {
        GaugeWithCallback.builder()
                .name("framegrid_grid_nodes")
                .help("Nodes in the Ignite cluster seen from this JVM, by kind (server holds data, client does not)")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(ignite.cluster().forServers().nodes().size(), "server");
                    cb.call(ignite.cluster().forClients().nodes().size(), "client");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_grid_topology_version")
                .help("Current Ignite topology version; it grows on every join and leave")
                .callback(cb -> cb.call(ignite.cluster().topologyVersion()))
                .register(registry);
    }

    /**
     * A server node's data regions (pages in memory against each region's cap) and the size of its persistence
     * folders ({@code db}: partition files, {@code wal}: write-ahead log under {@code workDirectory}).
     */
    public static void registerStorage(PrometheusRegistry registry, Ignite ignite, Path workDirectory) {
        Map<String, DataRegionConfiguration> regions = new HashMap<>();
        DataStorageConfiguration storage = ignite.configuration().getDataStorageConfiguration();
        if (storage != null) {
            regions.put(storage.getDefaultDataRegionConfiguration().getName(),
                    storage.getDefaultDataRegionConfiguration());
            if (storage.getDataRegionConfigurations() != null) {
                for (DataRegionConfiguration region : storage.getDataRegionConfigurations()) {
                    regions.put(region.getName(), region);
                }
            }
        }
        GaugeWithCallback.builder()
                .name("framegrid_grid_region_used_bytes")
                .help("Off-heap memory a data region of this server node holds in pages, by region and whether "
                        + "it is persisted (a persisted region swaps pages to disk; an in-memory one fails when full)")
                .unit(Unit.BYTES)
                .labelNames("region", "persistent")
                .callback(cb -> {
                    for (DataRegionMetrics m : regionMetrics(ignite)) {
                        DataRegionConfiguration cfg = regions.get(m.getName());
                        if (cfg != null && cfg.isMetricsEnabled()) {
                            cb.call(m.getPhysicalMemorySize(), m.getName(), String.valueOf(cfg.isPersistenceEnabled()));
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_grid_region_max_bytes")
                .help("The configured cap of a data region of this server node, by region and whether it is persisted")
                .unit(Unit.BYTES)
                .labelNames("region", "persistent")
                .callback(cb -> regions.values().stream().filter(DataRegionConfiguration::isMetricsEnabled)
                        .forEach(cfg -> cb.call(cfg.getMaxSize(), cfg.getName(),
                                String.valueOf(cfg.isPersistenceEnabled()))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_grid_region_evictions_per_second")
                .help("Pages a data region of this server node evicts (in-memory) or replaces (persisted) per second")
                .labelNames("region")
                .callback(cb -> {
                    for (DataRegionMetrics m : regionMetrics(ignite)) {
                        DataRegionConfiguration cfg = regions.get(m.getName());
                        if (cfg != null && cfg.isMetricsEnabled()) {
                            cb.call(cfg.isPersistenceEnabled() ? m.getPagesReplaceRate() : m.getEvictionRate(),
                                    m.getName());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_grid_persistence_bytes")
                .help("Bytes on disk of this server node's native persistence, by folder (db: partitions, wal: log)")
                .unit(Unit.BYTES)
                .labelNames("folder")
                .callback(cb -> {
                    cb.call(folderBytes(workDirectory.resolve("db")), "db");
                    cb.call(folderBytes(workDirectory.resolve("wal")), "wal");
                })
                .register(registry);
    }

    // A stopping node has none: no sample rather than a failed scrape.
    private static java.util.Collection<DataRegionMetrics> regionMetrics(Ignite ignite) {
        try {
            return ignite.dataRegionMetrics();
        } catch (RuntimeException e) {
            return java.util.List.of();
        }
    }

    private static long folderBytes(Path folder) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (IOException e) {
                    return 0; // a WAL segment or partition removed while walking
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
