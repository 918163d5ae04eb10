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
 * and heard from recently. Asked on every submit of a detection that wants a GPU, so the answer is kept for
 * {@link #ANSWER_TTL}: reading the records is a scan query over every partition of the node cache, which cost more
 * coordinator CPU per detection than the submit's own ledger transaction. A node that appears or goes is seen at most
 * that much later than before, small beside the {@link #STALE_AFTER} a silent node already gets.
 */
final class LiveGpus {
    /** A node silent this long is gone for routing purposes, as the node directory counts it. */
    static final Duration STALE_AFTER = Duration.ofSeconds(10);
    /** How long one reading of the node records answers for. */
    static final Duration ANSWER_TTL = Duration.ofSeconds(1);

    private final Ignite ignite;
    private final Clock clock;
    /** The last answer and when it was read; replaced whole, so readers never see one without the other. */
    private volatile Answer last;

    LiveGpus(Ignite ignite, Clock clock) {
        this.ignite = ignite;
        this.clock = clock;
    }

    private record Answer(boolean live, long readAtMs) {}

    boolean any() {
        long now = clock.millis();
        Answer answer = last;
        if (answer == null || now - answer.readAtMs() >= ANSWER_TTL.toMillis() || now < answer.readAtMs()) {
            // Concurrent submits after expiry may each read once; that is cheaper than making them wait on a lock.
            answer = new Answer(read(now), now);
            last = answer;
        }
        return answer.live();
    }

    private boolean read(long now) {
        IgniteCache<String, byte[]> nodes = ignite.cache(CacheNames.NODES);
        if (nodes == null) {
            return false;
        }
        for (Cache.Entry<String, byte[]> e : nodes) {
            NodeStatus status = Protos.parse(NodeStatus.parser(), e.getValue());
            if (status.getGpu() && ignite.cluster().node(UUID.fromString(e.getKey())) != null
                    && now - status.getLastHeartbeatMs() <= STALE_AFTER.toMillis()) {
                return true;
            }
        }
        return false;
    }
}
