package io.framegrid.sdk;

import io.framegrid.sdk.identity.IdentityAsyncClient;
import io.framegrid.sdk.identity.IdentityClient;
import io.framegrid.sdk.jobs.JobsAsyncClient;
import io.framegrid.sdk.jobs.JobsClient;
import io.framegrid.sdk.jobs.NodesClient;
import io.framegrid.sdk.media.MediaAsyncClient;
import io.framegrid.sdk.media.MediaClient;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * The Java SDK for internal services: one channel to a coordinator, and cheap credential-scoped views
 * of it ({@link #withBearerToken}, {@link #withApiKey}) that share the channel.
 *
 * <pre>{@code
 * try (FramegridClient client = FramegridClient.builder("localhost:9090").build()) {
 *     TokenPair tokens = client.identity().login("ada@example.com", "s3cretpass");
 *     User me = client.withBearerToken(tokens.getAccessToken()).identity().currentUser();
 * }
 * }</pre>
 */
public final class FramegridClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final boolean ownsChannel;
    private final CallCredentials credentials;
    private final Duration deadline;
    private final List<ProductClientFactory<?>> products;

    private FramegridClient(ManagedChannel channel, boolean ownsChannel, CallCredentials credentials, Duration deadline,
            List<ProductClientFactory<?>> products) {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.credentials = credentials;
        this.deadline = deadline;
        this.products = products;
    }

    public static Builder builder(String target) {
        return new Builder(target, null);
    }

    /**
     * A client over a channel the caller built and keeps (an in-process channel in tests, or one with transport
     * settings of its own); closing the client leaves the channel open. Transport options of the builder
     * ({@link Builder#useTls()}, {@link Builder#executor}) belong to that channel and are refused here.
     */
    public static Builder builder(ManagedChannel channel) {
        return new Builder(null, java.util.Objects.requireNonNull(channel, "channel"));
    }

    /** A view whose calls carry {@code authorization: Bearer <token>}; closing it leaves the channel open. */
    public FramegridClient withBearerToken(String accessToken) {
        return new FramegridClient(channel, false, CallCredentialsSupport.bearer(accessToken), deadline, products);
    }

    /** A view whose calls carry {@code x-api-key}; closing it leaves the channel open. */
    public FramegridClient withApiKey(String apiKey) {
        return new FramegridClient(channel, false, CallCredentialsSupport.apiKey(apiKey), deadline, products);
    }

    public IdentityClient identity() {
        return new IdentityClient(channel, credentials, deadline);
    }

    public IdentityAsyncClient identityAsync() {
        return new IdentityAsyncClient(channel, credentials, deadline);
    }

    public JobsClient jobs() {
        return new JobsClient(channel, credentials, deadline);
    }

    public JobsAsyncClient jobsAsync() {
        return new JobsAsyncClient(channel, credentials, deadline);
    }

    public MediaClient media() {
        return new MediaClient(channel, credentials, deadline);
    }

    public MediaAsyncClient mediaAsync() {
        return new MediaAsyncClient(channel, credentials, deadline);
    }

    /** gpu-nodes and their load (admin credentials required). */
    public NodesClient nodes() {
        return new NodesClient(channel, credentials, deadline);
    }

    /** Object detection, routed by the coordinator to a gpu-node holding the model. */
    public io.framegrid.sdk.inference.InferenceClient inference() {
        return new io.framegrid.sdk.inference.InferenceClient(channel, credentials, deadline);
    }

    public io.framegrid.sdk.inference.InferenceAsyncClient inferenceAsync() {
        return new io.framegrid.sdk.inference.InferenceAsyncClient(channel, credentials, deadline);
    }

    /**
     * The typed client of the product whose {@link ProductClientFactory} makes {@code type}, over this client's
     * channel and credentials, e.g. {@code client.withApiKey(key).product(ReframerClient.class)}.
     *
     * @throws IllegalArgumentException when no factory on the class path makes {@code type}
     */
    public <T> T product(Class<T> type) {
        for (ProductClientFactory<?> factory : products) {
            if (factory.type() == type) {
                return type.cast(factory.create(this));
            }
        }
        throw new IllegalArgumentException("No product client " + type.getName() + " on the class path");
    }

    /**
     * {@code stub} with this view's credentials and per-call deadline, so a product client's own service stubs call
     * as the SDK's built-in clients do.
     */
    public <S extends io.grpc.stub.AbstractStub<S>> S prepared(S stub) {
        return CallSupport.prepare(stub, credentials, deadline);
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        if (!ownsChannel) {
            return;
        }
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }

    // Once per channel, shared by its credential views: product clients are looked up on every product(...) call.
    private static List<ProductClientFactory<?>> discoverProducts() {
        List<ProductClientFactory<?>> factories = new ArrayList<>();
        ServiceLoader.load(ProductClientFactory.class, FramegridClient.class.getClassLoader()).forEach(factories::add);
        return List.copyOf(factories);
    }

    public static final class Builder {
        private final String target;
        private final ManagedChannel channel;
        private boolean tls;
        private Duration deadline = Duration.ofSeconds(30);
        private java.util.concurrent.Executor executor;
        private CallCredentials credentials;

        private Builder(String target, ManagedChannel channel) {
            this.target = target;
            this.channel = channel;
        }

        public Builder useTls() {
            this.tls = true;
            return this;
        }

        /** Deadline applied to every unary call (default 30 s). */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /**
         * Executor that runs the async clients' callbacks (default: gRPC's shared cached pool). A caller whose
         * callbacks never block can pass {@code Runnable::run}: they then run on the transport's event loop,
         * saving a thread hand-off per message.
         */
        public Builder executor(java.util.concurrent.Executor executor) {
            this.executor = executor;
            return this;
        }

        public Builder bearerToken(String token) {
            this.credentials = CallCredentialsSupport.bearer(token);
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.credentials = CallCredentialsSupport.apiKey(apiKey);
            return this;
        }

        public FramegridClient build() {
            if (channel != null) {
                if (tls || executor != null) {
                    throw new IllegalStateException("TLS and the callback executor are settings of the given channel");
                }
                return new FramegridClient(channel, false, credentials, deadline, discoverProducts());
            }
            // Downloads stream 1 MiB messages: a window of several keeps them flowing without a round trip each.
            NettyChannelBuilder cb = NettyChannelBuilder.forTarget(target).flowControlWindow(8 << 20);
            if (executor != null) {
                cb.executor(executor);
            }
            if (tls) {
                cb.useTransportSecurity();
            } else {
                cb.usePlaintext();
            }
            return new FramegridClient(cb.build(), true, credentials, deadline, discoverProducts());
        }
    }
}
