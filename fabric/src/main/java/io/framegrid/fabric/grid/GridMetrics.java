package io.framegrid.fabric.grid;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.ignite.Ignite;

/** Ignite cluster size as this node sees it, read at scrape time. */
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
}
