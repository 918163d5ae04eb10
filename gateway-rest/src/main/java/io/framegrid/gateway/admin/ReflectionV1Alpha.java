package io.framegrid.gateway.admin;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

/**
 * gRPC server reflection {@code v1alpha}, which older grpcurl, grpc_cli, Postman and Evans speak, beside Armeria's
 * {@code v1}. Armeria accepts a single reflection service per gRPC service, so {@code v1alpha} is answered by a
 * private in-process gRPC server listing the same service definitions, and relayed from the admin port.
 */
public final class ReflectionV1Alpha implements AutoCloseable {
    private final Server server;
    private final ManagedChannel channel;

    public ReflectionV1Alpha(List<ServerServiceDefinition> listed) {
        String name = "framegrid-reflection-" + UUID.randomUUID();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
        listed.forEach(builder::addService);
        builder.addService(new HealthStatusManager().getHealthService());
        builder.addService(ProtoReflectionService.newInstance());
        try {
            this.server = builder.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The {@code grpc.reflection.v1alpha.ServerReflection} service, for the admin port's gRPC service. */
    public ServerServiceDefinition service() {
        return GrpcForwarder.forward(ServerReflectionGrpc.getServiceDescriptor(), channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }
}
