package io.framegrid.coordinator.inference;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One plaintext channel per gpu-node endpoint, reused by every forwarded call; closed with the coordinator. */
public final class NodeChannels implements AutoCloseable {
    // Room for a raw 4K BGR frame (≈ 25 MB) in either direction.
    static final int MAX_MESSAGE_BYTES = 64 << 20;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public ManagedChannel get(String target) {
        return channels.computeIfAbsent(target, t -> NettyChannelBuilder.forTarget(t).usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES).build());
    }

    /** Drops channels to endpoints no live node advertises any more (a restarted node gets a new port). */
    public void retainOnly(Set<String> liveTargets) {
        channels.entrySet().removeIf(e -> {
            if (liveTargets.contains(e.getKey())) {
                return false;
            }
            e.getValue().shutdown();
            return true;
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
