package io.framegrid.coordinator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node list as admins see it: the heartbeat records gpu-nodes write to the grid, limited to nodes in the
 * topology that reported recently. Records are written here as a worker writes them.
 */
class NodeGrpcServiceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of("jobs.heartbeat-interval", "1s"),
            new InProcessTransport());

    private static IgniteCache<String, byte[]> nodes() {
        return cluster.ignite().cache(CacheNames.NODES);
    }

    @AfterEach
    void clear() {
        nodes().clear();
        cluster.clock().reset();
    }

    private static FramegridClient admin() {
        return cluster.client().withBearerToken(
                cluster.client().identity().login("admin", "AdminPass123").getAccessToken());
    }

    private static void heartbeat(String nodeId, String name, long atMs) {
        nodes().put(nodeId, NodeStatus.newBuilder().setNodeId(nodeId).setName(name).addModels("yolox_nano")
                .setTasksCompleted(3).setLastHeartbeatMs(atMs).build().toByteArray());
    }

    @Test
    void listsLiveNodesThatReportedRecently() {
        String live = cluster.ignite().cluster().localNode().id().toString();
        heartbeat(live, "node-live", cluster.clock().millis());
        // A record of a node that left the topology (its process was killed before the record was removed).
        heartbeat(UUID.randomUUID().toString(), "node-gone", cluster.clock().millis());

        assertThat(admin().nodes().list()).singleElement().satisfies(n -> {
            assertThat(n.getName()).isEqualTo("node-live");
            assertThat(n.getModelsList()).containsExactly("yolox_nano");
            assertThat(n.getTasksCompleted()).isEqualTo(3);
        });

        // Silent for more than a few heartbeats: no longer listed, though still in the topology.
        cluster.clock().advance(Duration.ofSeconds(10));
        assertThat(admin().nodes().list()).isEmpty();
    }

    @Test
    void onlyAdminsMayListNodes() {
        FramegridException anonymous = failure(() -> cluster.client().nodes().list());
        assertThat(anonymous.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(anonymous.reason()).isEqualTo("AUTH_REQUIRED");

        String name = "n" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Sup3rSecret").build());
        FramegridClient user = cluster.client().withBearerToken(
                cluster.client().identity().login(name, "Sup3rSecret").getAccessToken());
        FramegridException forbidden = failure(() -> user.nodes().list());
        assertThat(forbidden.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(forbidden.reason()).isEqualTo("FORBIDDEN");
    }

    private static FramegridException failure(Runnable call) {
        try {
            call.run();
        } catch (FramegridException e) {
            return e;
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }
}
