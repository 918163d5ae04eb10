package io.framegrid.config.local;

import io.framegrid.config.settings.Settings;
import java.nio.file.Path;

/**
 * Settings for a private single-host grid: free discovery and communication ports, every server port
 * picked by the OS, data under {@code dataDir}. Used by tests and benchmarks so concurrent runs never meet.
 */
public final class IsolatedSettings {
    private IsolatedSettings() {}

    public static Settings.Builder builder(Path dataDir, String instanceName) {
        int discovery = LocalPorts.free();
        return forDiscovery(dataDir, instanceName, discovery, "127.0.0.1:" + discovery);
    }

    /** A node that discovers through {@code addresses} (used when several nodes form one private grid). */
    public static Settings.Builder forDiscovery(Path dataDir, String instanceName, int discoveryPort, String addresses) {
        Settings.Builder settings = Settings.builder()
                .set("data-dir", dataDir.toString())
                .set("grid.instance-name", instanceName)
                .set("grid.consistent-id", instanceName)
                .set("grid.discovery.port", discoveryPort)
                .set("grid.discovery.port-range", 0)
                .set("grid.discovery.addresses", addresses)
                .set("grid.communication.port", LocalPorts.free())
                .set("grid.durable-region.max-size-mb", 128)
                .set("grid.cache-region.max-size-mb", 64)
                .set("coordinator.grpc.port", 0)
                .set("gpu-node.grpc.port", 0)
                .set("metrics.port", 0);
        return freeGatewayPorts(settings);
    }

    /** Lets the OS pick every gateway port ({@code gateway.<surface>.port} and the admin port), whatever the surfaces. */
    public static Settings.Builder freeGatewayPorts(Settings.Builder settings) {
        Settings.referenceKeys().stream()
                .filter(key -> key.startsWith("gateway.") && key.endsWith(".port"))
                .forEach(key -> settings.set(key, 0));
        return settings;
    }
}
