package io.framegrid.gateway.admin;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Relays a coordinator gRPC service byte for byte, keeping the service's Protobuf schema so Armeria's
 * DocService can document it on the admin port. Credentials ({@code authorization}, {@code x-api-key})
 * travel with the call; the coordinator still decides what the caller may do.
 */
public final class GrpcForwarder {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private GrpcForwarder() {}

    /** A definition with the same name, methods and schema as {@code original}, every call relayed to {@code channel}. */
    public static ServerServiceDefinition forward(ServiceDescriptor original, Channel channel) {
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<MethodDescriptor<byte[], byte[]>> methods = new java.util.ArrayList<>();
        for (MethodDescriptor<?, ?> method : original.getMethods()) {
            MethodDescriptor<byte[], byte[]> relayed = method.toBuilder(BYTES, BYTES).build();
            methods.add(relayed);
            descriptor.addMethod(relayed);
        }
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
        for (MethodDescriptor<byte[], byte[]> method : methods) {
            definition.addMethod(ServerMethodDefinition.create(method, new Relay(channel, method)));
        }
        return definition.build();
    }

    /** Pipes one call in both directions with flow control: each side asks for a message only when it has sent one. */
    private static final class Relay implements ServerCallHandler<byte[], byte[]> {
        private final Channel channel;
        private final MethodDescriptor<byte[], byte[]> method;

        Relay(Channel channel, MethodDescriptor<byte[], byte[]> method) {
            this.channel = channel;
            this.method = method;
        }

        @Override
        public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
            ClientCall<byte[], byte[]> clientCall = channel.newCall(method, CallOptions.DEFAULT);
            Metadata forwarded = new Metadata();
            copy(headers, forwarded, AUTHORIZATION);
            copy(headers, forwarded, API_KEY);
            clientCall.start(new ClientCall.Listener<>() {
                @Override
                public void onHeaders(Metadata responseHeaders) {
                    serverCall.sendHeaders(new Metadata());
                }

                @Override
                public void onMessage(byte[] message) {
                    serverCall.sendMessage(message);
                    clientCall.request(1);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    serverCall.close(status, trailers);
                }
            }, forwarded);
            clientCall.request(1);
            serverCall.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    clientCall.sendMessage(message);
                    serverCall.request(1);
                }

                @Override
                public void onHalfClose() {
                    clientCall.halfClose();
                }

                @Override
                public void onCancel() {
                    clientCall.cancel("Caller cancelled", null);
                }
            };
        }

        private static void copy(Metadata from, Metadata to, Metadata.Key<String> key) {
            String value = from.get(key);
            if (value != null) {
                to.put(key, value);
            }
        }
    }
}
