package io.framegrid.launcher.fabric;

import io.framegrid.config.local.LocalPorts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command lines of cluster roles on loopback, all discovering each other through one coordinator's port. */
final class LoopbackRoles {
    private LoopbackRoles() {
    }

    /**
     * {@code <role> --data-dir <dir> --set ...}: the grid named {@code name} on free ports (discovery on
     * {@code discoveryPort}, seeded by {@code seedPort}), metrics off, the given lease timing, then {@code extra}.
     */
    static List<String> args(String role, Path dataDir, String name, int discoveryPort, int seedPort,
            String leaseTime, String heartbeatInterval, Map<String, String> extra) {
        List<String> args = new ArrayList<>(List.of(role, "--data-dir", dataDir.toString()));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("grid.instance-name", name);
        settings.put("grid.consistent-id", name);
        settings.put("grid.discovery.port", String.valueOf(discoveryPort));
        settings.put("grid.discovery.port-range", "0");
        settings.put("grid.discovery.addresses", "127.0.0.1:" + seedPort);
        settings.put("grid.communication.port", String.valueOf(LocalPorts.free()));
        settings.put("metrics.enabled", "false");
        settings.put("jobs.lease-time", leaseTime);
        settings.put("jobs.heartbeat-interval", heartbeatInterval);
        settings.putAll(extra);
        settings.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return args;
    }
}
