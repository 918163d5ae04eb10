package io.framegrid.coordinator.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.cluster.v1.NodeStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Whether a gpu-node with a GPU is live now, from the node records gpu-nodes heartbeat into the grid: in the topology
 * and heard from recently. A read per submit of a detection asking for a GPU; the records are a handful.
 */
final class LiveGpus {
    /** A node silent this long is gone for routing purposes, as the node directory counts it. */
    static final Duration STALE_AFTER = Duration.ofSeconds(10);

    private final Ignite ignite;
    private final Clock clock;

    LiveGpus(Ignite ignite, Clock clock) {
        this.ignite = ignite;
        this.clock = clock;
    }

    boolean any() {
        IgniteCache<String, byte[]> nodes = ignite.cache(CacheNames.NODES);
        if (nodes == null) {
            return false;
        }
        for (Cache.Entry<String, byte[]> e : nodes) {
            NodeStatus status = Protos.parse(NodeStatus.parser(), e.getValue());
            if (status.getGpu() && ignite.cluster().node(UUID.fromString(e.getKey())) != null
                    && clock.millis() - status.getLastHeartbeatMs() <= STALE_AFTER.toMillis()) {
                return true;
            }
        }
        return false;
    }
}
