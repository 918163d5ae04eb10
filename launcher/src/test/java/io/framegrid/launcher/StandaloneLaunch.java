package io.framegrid.launcher;

import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.settings.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code standalone --data-dir DIR --set ...} for a private cluster on free ports: its own grid (discovery on a
 * free port, no range), every gateway port left to the OS unless pinned, whatever surfaces the reference lists.
 */
public final class StandaloneLaunch {
    private final Path dataDir;
    private final Map<String, String> settings = new LinkedHashMap<>();

    private StandaloneLaunch(Path dataDir, String gridName) {
        this.dataDir = dataDir;
        int discovery = LocalPorts.free();
        Settings.referenceKeys().stream().filter(k -> k.startsWith("gateway.") && k.endsWith(".port"))
                .forEach(k -> settings.put(k, "0"));
        settings.put("grid.instance-name", gridName);
        settings.put("grid.consistent-id", gridName);
        settings.put("grid.discovery.port", String.valueOf(discovery));
        settings.put("grid.discovery.port-range", "0");
        settings.put("grid.discovery.addresses", "127.0.0.1:" + discovery);
        settings.put("grid.communication.port", String.valueOf(LocalPorts.free()));
        settings.put("coordinator.grpc.port", String.valueOf(LocalPorts.free()));
        settings.put("gpu-node.grpc.port", "0");
        settings.put("metrics.port", String.valueOf(LocalPorts.free()));
    }

    /** A private standalone cluster on free ports with its data under {@code dataDir}. */
    public static StandaloneLaunch onFreePorts(Path dataDir, String gridName) {
        return new StandaloneLaunch(dataDir, gridName);
    }

    public StandaloneLaunch set(String key, Object value) {
        settings.put(key, String.valueOf(value));
        return this;
    }

    public int port(String key) {
        return Integer.parseInt(settings.get(key));
    }

    public List<String> args(String command) {
        List<String> args = new ArrayList<>(List.of(command, "--data-dir", dataDir.toString()));
        settings.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return args;
    }
}
