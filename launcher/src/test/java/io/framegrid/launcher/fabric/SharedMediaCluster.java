package io.framegrid.launcher.fabric;

import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A product failover test's cluster: one coordinator JVM and gpu-node JVMs on loopback that all see one media
 * directory, as nodes sharing an S3 bucket or a network volume would, so a stage rerun elsewhere finds the
 * previous stage's blobs. Leases are a little longer than the fabric test's (4 s, renewed every 500 ms): the nodes
 * run models on two shared cores, and a starved heartbeat must not turn into lost leases (that would still end
 * correctly, only slower). Everything started is stopped and deleted after each test.
 */
final class SharedMediaCluster implements AfterEachCallback {
    static final Duration START = Duration.ofSeconds(120);
    static final String ADMIN_PASSWORD = "AdminPass123";

    private final LoopbackProcesses processes = new LoopbackProcesses();
    private final String name;
    private final int discovery = LocalPorts.free();
    private final int grpc = LocalPorts.free();
    private Path mediaDir;

    SharedMediaCluster(String name) {
        this.name = name;
    }

    /** The coordinator's public gRPC address. */
    String target() {
        return "127.0.0.1:" + grpc;
    }

    /** {@code client} signed in as the administrator the coordinator was started with. */
    static FramegridClient admin(FramegridClient client) {
        return client.withBearerToken(client.identity().login("admin", ADMIN_PASSWORD).getAccessToken());
    }

    /** Waits until {@code count} gpu-nodes are listed; their node ids by name. */
    static Map<String, String> awaitNodeIds(FramegridClient admin, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.nodes().list().size() == count);
        Map<String, String> ids = new LinkedHashMap<>();
        admin.nodes().list().forEach(n -> ids.put(n.getName(), n.getNodeId()));
        return ids;
    }

    /** A new user {@code name} ({@code name@example.com}), registered through {@code client} and signed in. */
    static FramegridClient newUser(FramegridClient client, String name) {
        client.identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com").setUsername(name)
                .setPassword("Sup3rSecret").build());
        return client.withBearerToken(client.identity().login(name, "Sup3rSecret").getAccessToken());
    }

    /** A new temporary directory, deleted after the test. */
    Path dir(String suffix) throws Exception {
        return processes.dir(name + "-" + suffix);
    }

    /** Starts the coordinator (admin password {@link #ADMIN_PASSWORD}) and returns once it is ready. */
    FramegridProcess startCoordinator() throws Exception {
        FramegridProcess coordinator = start("coordinator", name + "-coord", List.of("--set",
                "coordinator.grpc.port=" + grpc, "--set", "identity.admin.password=" + ADMIN_PASSWORD));
        coordinator.awaitOutput("Framegrid coordinator ready", START);
        return coordinator;
    }

    /** Starts one gpu-node per name, with the shared models and {@code slots} task slots; returns once all are ready. */
    Map<String, FramegridProcess> startGpuNodes(int slots, String... names) throws Exception {
        Map<String, FramegridProcess> nodes = new LinkedHashMap<>();
        for (String node : names) {
            nodes.put(node, start("gpu-node", node, List.of("--set", "gpu-node.grpc.port=0",
                    "--set", "gpu-node.task-slots=" + slots,
                    "--set", "gpu-node.models.dir=" + SharedFiles.root().resolve("models"))));
        }
        // Started together, awaited together: the JVMs warm up side by side.
        for (FramegridProcess node : nodes.values()) {
            node.awaitOutput("Framegrid gpu-node ready", START);
        }
        return nodes;
    }

    private FramegridProcess start(String role, String processName, List<String> extra) throws Exception {
        if (mediaDir == null) {
            mediaDir = dir("media");
        }
        int discoveryPort = role.equals("coordinator") ? discovery : LocalPorts.free();
        List<String> args = new ArrayList<>(LoopbackRoles.args(role, dir(processName), processName, discoveryPort,
                discovery, "4s", "500ms",
                Map.of("media.local.dir", mediaDir.toString(), "frame-cache.near-max-size-mb", "32")));
        args.addAll(extra);
        return processes.start(processName, args);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        processes.afterEach(context);
        mediaDir = null;
    }
}
