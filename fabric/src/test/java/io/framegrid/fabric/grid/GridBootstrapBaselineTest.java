package io.framegrid.fabric.grid;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.fabric.testing.GridExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.BaselineNode;
import org.junit.jupiter.api.Test;

/**
 * A server that finds itself outside the baseline on start (it joined while the first server was still activating,
 * so auto-adjust never saw its join) puts itself in, and then holds the data the first server's stop would lose.
 */
class GridBootstrapBaselineTest {
    @Test
    void aServerJoiningOutsideTheBaselineJoinsItAndKeepsTheDataWhenTheFirstStops() throws Exception {
        Path dirA = Files.createTempDirectory("framegrid-baseline-a");
        Path dirB = Files.createTempDirectory("framegrid-baseline-b");
        int portA = LocalPorts.free();
        int portB = LocalPorts.free();
        String addresses = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
        String grid = "baseline-" + UUID.randomUUID().toString().substring(0, 8);
        Ignite a = null;
        Ignite b = null;
        try {
            a = bootstrap(dirA, grid + "-a", portA, addresses).startServer("coordinator", Map.of());
            // What a join during activation leaves behind: a baseline without the newcomer, and no auto-adjust for it.
            a.cluster().baselineAutoAdjustEnabled(false);
            b = bootstrap(dirB, grid + "-b", portB, addresses).startServer("coordinator", Map.of());

            Object idB = b.cluster().localNode().consistentId();
            assertThat(a.cluster().currentBaselineTopology()).extracting(BaselineNode::consistentId).contains(idB);

            IgniteCache<String, String> users = a.cache(CacheNames.USERS);
            users.put("persist", "still here");
            GridBootstrap.stop(a);
            a = null;
            assertThat(b.<String, String>cache(CacheNames.USERS).get("persist")).isEqualTo("still here");
        } finally {
            // Through GridBootstrap: the first stop left the cluster-wide shutdown policy GRACEFUL, under which a
            // plain close of the last server waits for a copy that can never exist.
            if (b != null) {
                GridBootstrap.stop(b);
            }
            if (a != null) {
                GridBootstrap.stop(a);
            }
            GridExtension.deleteRecursively(dirA);
            GridExtension.deleteRecursively(dirB);
        }
    }

    private static GridBootstrap bootstrap(Path dir, String name, int discoveryPort, String addresses) {
        FramegridConfig config = FramegridConfig.from(
                IsolatedSettings.forDiscovery(dir, name, discoveryPort, addresses).build());
        return new GridBootstrap(config.grid(), new CacheCatalog(1));
    }
}
