package io.framegrid.coordinator.nodes;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.cluster.v1.NodeStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgnitePredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gpu-nodes of the cluster as they report themselves (capabilities, load) every heartbeat, limited
 * to nodes in the grid topology that reported recently: a killed node disappears after a few missed
 * heartbeats, and its status record is removed once discovery drops it.
 */
public final class NodeDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeDirectory.class);

    private final Ignite ignite;
    private final IgniteCache<String, byte[]> nodes;
    private final IgnitePredicate<DiscoveryEvent> listener;
    private final long staleAfterMs;
    private final java.time.Clock clock;

    /** Nodes silent for {@code staleAfter} (a few heartbeats) count as gone even before discovery drops them. */
    public NodeDirectory(Ignite ignite, java.time.Duration staleAfter, java.time.Clock clock) {
        this.ignite = ignite;
        this.staleAfterMs = staleAfter.toMillis();
        this.clock = clock;
        this.nodes = ignite.cache(CacheNames.NODES);
        this.listener = event -> {
            String id = event.eventNode().id().toString();
            try {
                nodes.removeAsync(id);
                log.info("Node {} left the cluster", id);
            } catch (RuntimeException e) {
                log.debug("Cannot remove status of {}: {}", id, e.toString());
            }
            return true;
        };
        ignite.events().localListen(listener, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
    }

    /** Nodes in the topology now, by name. */
    public List<NodeStatus> liveNodes() {
        List<NodeStatus> live = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : nodes) {
            NodeStatus status = Protos.parse(NodeStatus.parser(), e.getValue());
            if (ignite.cluster().node(UUID.fromString(e.getKey())) != null
                    && clock.millis() - status.getLastHeartbeatMs() <= staleAfterMs) {
                live.add(status);
            }
        }
        live.sort(Comparator.comparing(NodeStatus::getName).thenComparing(NodeStatus::getNodeId));
        return live;
    }

    @Override
    public void close() {
        ignite.events().stopLocalListen(listener);
    }
}
