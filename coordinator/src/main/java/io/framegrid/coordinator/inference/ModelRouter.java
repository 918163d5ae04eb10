package io.framegrid.coordinator.inference;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.nodes.NodeDirectory;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses the gpu-node that serves a detection request: among live nodes that advertise the model in their
 * heartbeat, the one with the fewest calls this coordinator has in flight to it, ties broken round-robin.
 *
 * <p>Load is counted here rather than read from heartbeats because heartbeats are seconds apart while a
 * detection takes milliseconds. The node list is re-read at most every {@code refreshMs} (a grid scan per
 * request would cost more than the routing decision is worth), and at once when no live node matches.
 */
public final class ModelRouter {

    /** A chosen node; {@link #release()} exactly once when the forwarded call ends. */
    public static final class Route {
        private final String nodeId;
        private final String target;
        private final AtomicInteger inFlight;
        private final AtomicInteger released = new AtomicInteger();

        Route(String nodeId, String target, AtomicInteger inFlight) {
            this.nodeId = nodeId;
            this.target = target;
            this.inFlight = inFlight;
            inFlight.incrementAndGet();
        }

        public String nodeId() {
            return nodeId;
        }

        public String target() {
            return target;
        }

        public void release() {
            if (released.compareAndSet(0, 1)) {
                inFlight.decrementAndGet();
            }
        }
    }

    private final NodeDirectory directory;
    private final long refreshNanos;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    // Every model id some node has advertised since this coordinator started: tells "unknown" (NOT_FOUND)
    // from "known but no live node holds it now" (UNAVAILABLE).
    private final Set<String> everAdvertised = ConcurrentHashMap.newKeySet();
    private final AtomicLong turn = new AtomicLong();
    private volatile List<NodeStatus> snapshot = List.of();
    private volatile long snapshotAt;
    private volatile boolean loaded;

    /** @param refresh longest a node list is reused (a monotonic interval, not business time) */
    public ModelRouter(NodeDirectory directory, Duration refresh) {
        this.directory = directory;
        this.refreshNanos = refresh.toNanos();
    }

    /** Live gpu-nodes that serve inference (advertise an endpoint), re-read if the snapshot is old. */
    public List<NodeStatus> inferenceNodes() {
        if (!loaded || System.nanoTime() - snapshotAt > refreshNanos) {
            refresh();
        }
        return snapshot;
    }

    private List<NodeStatus> refresh() {
        List<NodeStatus> nodes = new ArrayList<>();
        for (NodeStatus n : directory.liveNodes()) {
            if (!n.getInferenceTarget().isEmpty()) {
                nodes.add(n);
                everAdvertised.addAll(n.getInferenceModelsList());
            }
        }
        snapshot = List.copyOf(nodes);
        snapshotAt = System.nanoTime();
        loaded = true;
        return snapshot;
    }

    /**
     * Picks a node for {@code modelId} (empty: any node with a model; it applies its own default), skipping
     * {@code exclude}. Fails with NOT_FOUND for a model no node has advertised, UNAVAILABLE when none holds it now.
     */
    public Route pick(String modelId, Set<String> exclude) {
        List<NodeStatus> candidates = candidates(inferenceNodes(), modelId, exclude);
        if (candidates.isEmpty()) {
            candidates = candidates(refresh(), modelId, exclude);
        }
        if (candidates.isEmpty()) {
            throw noNode(modelId, exclude);
        }
        int n = candidates.size();
        int start = (int) Math.floorMod(turn.getAndIncrement(), (long) n);
        NodeStatus best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            NodeStatus c = candidates.get((start + i) % n);
            int load = counter(c.getNodeId()).get();
            if (load < bestLoad) {
                best = c;
                bestLoad = load;
            }
        }
        return new Route(best.getNodeId(), best.getInferenceTarget(), counter(best.getNodeId()));
    }

    /** Calls in flight from this coordinator to a node (for tests and diagnostics). */
    public int inFlight(String nodeId) {
        return counter(nodeId).get();
    }

    private AtomicInteger counter(String nodeId) {
        return inFlight.computeIfAbsent(nodeId, id -> new AtomicInteger());
    }

    private static List<NodeStatus> candidates(List<NodeStatus> nodes, String modelId, Set<String> exclude) {
        List<NodeStatus> out = new ArrayList<>();
        for (NodeStatus n : nodes) {
            if (exclude.contains(n.getNodeId())) {
                continue;
            }
            if (modelId.isEmpty() ? n.getInferenceModelsCount() > 0 : n.getInferenceModelsList().contains(modelId)) {
                out.add(n);
            }
        }
        return out;
    }

    private StatusRuntimeException noNode(String modelId, Set<String> exclude) {
        if (snapshot.isEmpty()) {
            return Errors.of(Status.Code.UNAVAILABLE, "NO_INFERENCE_NODE",
                    "No live gpu-node serves inference" + (modelId.isEmpty() ? "" : " (model '" + modelId + "')"));
        }
        if (modelId.isEmpty() || everAdvertised.contains(modelId)) {
            return Errors.of(Status.Code.UNAVAILABLE, "MODEL_UNAVAILABLE", "No live gpu-node holds model '" + modelId
                    + "' active now" + (exclude.isEmpty() ? "" : " (" + exclude.size() + " failed to answer)"));
        }
        Set<String> known = new TreeSet<>();
        snapshot.forEach(n -> known.addAll(n.getInferenceModelsList()));
        return Errors.notFound("MODEL_NOT_FOUND", "Unknown model '" + modelId + "'; the cluster serves " + known);
    }
}
