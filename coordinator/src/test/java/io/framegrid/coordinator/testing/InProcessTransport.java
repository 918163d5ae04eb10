package io.framegrid.coordinator.testing;

import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.sdk.FramegridClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's services, configured by {@link CoordinatorServer#configure} exactly as production does, on
 * grpc's in-process transport: for tests of what the services do, not of the network under them. Kept apart
 * from {@link CoordinatorExtension} so that other modules using the extension over sockets need no
 * {@code grpc-inprocess}.
 */
public final class InProcessTransport implements CoordinatorExtension.Transport {
    private final String name = InProcessServerBuilder.generateName();
    private Server server;
    private ManagedChannel channel;

    @Override
    public FramegridClient open(CoordinatorServer coordinator) throws IOException {
        InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
        coordinator.configure(sb);
        server = sb.build().start();
        channel = InProcessChannelBuilder.forName(name).maxInboundMessageSize(64 << 20).build();
        return FramegridClient.builder(channel).build();
    }

    /** A further channel to the same services, e.g. with an executor of the test's own. */
    public InProcessChannelBuilder channelBuilder() {
        return InProcessChannelBuilder.forName(name);
    }

    @Override
    public String target() {
        throw new IllegalStateException("The coordinator is served in-process: it has no host and port");
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
