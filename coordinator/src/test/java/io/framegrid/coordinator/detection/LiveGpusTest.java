package io.framegrid.coordinator.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.testing.MutableClock;
import io.framegrid.proto.cluster.v1.NodeStatus;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing's view of live GPU nodes: from the heartbeat records in the grid, read at most once per answer's TTL. */
class LiveGpusTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private static IgniteCache<String, byte[]> nodes() {
        return cluster.ignite().cache(CacheNames.NODES);
    }

    @AfterEach
    void clear() {
        nodes().clear();
        cluster.clock().reset();
    }

    private static void heartbeat(String nodeId, boolean gpu) {
        nodes().put(nodeId, NodeStatus.newBuilder().setNodeId(nodeId).setName("n").setGpu(gpu)
                .setLastHeartbeatMs(cluster.clock().millis()).build().toByteArray());
    }

    private static String localNode() {
        return cluster.ignite().cluster().localNode().id().toString();
    }

    @Test
    void aGpuNodeInTheTopologyThatReportedRecentlyIsLive() {
        heartbeat(localNode(), true);

        assertThat(new LiveGpus(cluster.ignite(), cluster.clock()).any()).isTrue();
    }

    @Test
    void cpuNodesSilentNodesAndNodesOutsideTheTopologyAreNot() {
        heartbeat(localNode(), false);
        heartbeat(UUID.randomUUID().toString(), true);
        assertThat(new LiveGpus(cluster.ignite(), cluster.clock()).any()).isFalse();

        heartbeat(localNode(), true);
        cluster.clock().advance(LiveGpus.STALE_AFTER.plusMillis(1));
        assertThat(new LiveGpus(cluster.ignite(), cluster.clock()).any()).isFalse();
    }

    @Test
    void anAnswerHoldsForItsTtlAndIsReadAgainAfterIt() {
        MutableClock clock = MutableClock.stopped();
        LiveGpus gpus = new LiveGpus(cluster.ignite(), clock);
        assertThat(gpus.any()).isFalse();

        heartbeat(localNode(), true);
        clock.advance(LiveGpus.ANSWER_TTL.minusMillis(1));
        assertThat(gpus.any()).as("within the TTL: the first reading").isFalse();

        clock.advance(Duration.ofMillis(1));
        assertThat(gpus.any()).as("after the TTL: read again").isTrue();

        nodes().remove(localNode());
        assertThat(gpus.any()).isTrue();
        clock.advance(LiveGpus.ANSWER_TTL);
        assertThat(gpus.any()).isFalse();
    }
}
