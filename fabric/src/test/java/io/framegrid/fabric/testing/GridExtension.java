package io.framegrid.fabric.testing;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.settings.Settings;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.fabric.jobs.JobLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A private grid for a test class: one Ignite server node (as a coordinator runs it, with persistence) on free
 * ports and its own data directory, a test clock, a job ledger on that clock, and client nodes joined on demand
 * (as gpu-nodes join). Everything started is stopped and deleted after the class. Tests that need a
 * coordinator's gRPC services use the coordinator's own fixture instead.
 */
public final class GridExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, Object> overrides;
    private final MutableClock clock = new MutableClock();
    private final List<Path> dirs = new ArrayList<>();
    private final List<Ignite> clients = new ArrayList<>();
    private FramegridConfig config;
    private Ignite ignite;
    private JobLedger ledger;

    public GridExtension() {
        this(Map.of());
    }

    /** {@code overrides}: configuration keys of the server node (e.g. {@code jobs.lease-time}). */
    public GridExtension(Map<String, Object> overrides) {
        this.overrides = overrides;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path dir = tempDir("framegrid-grid-test");
        Settings.Builder settings = IsolatedSettings.builder(dir, "grid-test-" + UUID.randomUUID());
        overrides.forEach(settings::set);
        config = FramegridConfig.from(settings.build());
        ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("coordinator", Map.of());
        ledger = new JobLedger(ignite, config.jobs(), clock);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        for (int i = clients.size() - 1; i >= 0; i--) {
            clients.get(i).close();
        }
        if (ignite != null) {
            ignite.close();
        }
        for (Path dir : dirs) {
            deleteRecursively(dir);
        }
    }

    /**
     * Joins a client node (as a gpu-node does) to this grid, with its own directory; closed after the class
     * unless the test closes it first (to leave the grid as a killed process would).
     */
    public Ignite joinClient(String role) throws IOException {
        Path dir = tempDir("framegrid-grid-client");
        FramegridConfig clientConfig = FramegridConfig.from(IsolatedSettings.forDiscovery(dir,
                role + "-" + UUID.randomUUID(), LocalPorts.free(), "127.0.0.1:" + config.grid().discoveryPort())
                .build());
        Ignite client = new GridBootstrap(clientConfig.grid(), new CacheCatalog(0)).startClient(role, Map.of());
        clients.add(client);
        return client;
    }

    /** The server node. */
    public Ignite ignite() {
        return ignite;
    }

    /** The server node's configuration (its {@code jobs} section is the ledger's). */
    public FramegridConfig config() {
        return config;
    }

    public MutableClock clock() {
        return clock;
    }

    /** A ledger on the server node and the test clock. */
    public JobLedger ledger() {
        return ledger;
    }

    /** A temporary directory deleted after the class. */
    public Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        dirs.add(dir);
        return dir;
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
