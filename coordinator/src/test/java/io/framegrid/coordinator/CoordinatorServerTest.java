package io.framegrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.coordinator.products.CoordinatorProducts;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.fabric.testing.Reflection;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.observability.Telemetry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How a coordinator finds its products, and what it serves besides them. */
class CoordinatorServerTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension();

    @Test
    void productsOnTheClassPathAreFoundByTheirServicesFiles() {
        assertThat(CoordinatorProducts.discover()).extracting(CoordinatorProduct::name)
                .contains("reframer", "test");
        JobTypes types = cluster.server().jobTypes();
        assertThat(types.plan(ReframerContract.PROBE, Map.of())).isPresent();
        assertThat(types.plan(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2"))).isPresent();
        assertThat(types.plan(JobTypes.NOOP, Map.of())).isPresent();
    }

    @Test
    void aServerGivenItsProductsRunsThoseAloneWithTheContextItOwns() {
        AtomicReference<CoordinatorProduct.Context> seen = new AtomicReference<>();
        CoordinatorProduct only = new CoordinatorProduct() {
            @Override
            public String name() {
                return "only";
            }

            @Override
            public void register(JobTypes types, Context context) {
                seen.set(context);
                types.register("only.job", meta -> List.of(JobTypes.stage("one", "only.task", 1, meta)));
            }
        };
        try (CoordinatorServer server = new CoordinatorServer(cluster.ignite(), cluster.config(),
                // A registry of its own: the extension's server already exports the ledger's metrics on its one.
                new Telemetry(new PrometheusRegistry()), cluster.clock(), List.of(only))) {
            assertThat(server.jobTypes().plan("only.job", Map.of())).isPresent();
            assertThat(server.jobTypes().plan(ReframerContract.ANALYZE, Map.of())).isEmpty();
            assertThat(server.jobTypes().plan(JobTypes.NOOP, Map.of())).isPresent();
            assertThat(seen.get().media()).isSameAs(server.mediaLibrary());
            assertThat(seen.get().ignite()).isSameAs(cluster.ignite());
            assertThat(seen.get().clock()).isSameAs(cluster.clock());
        }
    }

    @Test
    void twoProductsOfOneNameArePackagingErrors() {
        CoordinatorProduct a = named("twin");
        CoordinatorProduct b = named("twin");
        assertThatThrownBy(() -> CoordinatorProducts.checked(List.of(a, b)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'twin'");
    }

    @Test
    void aProductsOwnServicesAreServedBehindTheAuthenticatorAndClosedWithTheServer() throws Exception {
        AtomicReference<Boolean> closed = new AtomicReference<>(false);
        io.grpc.MethodDescriptor<String, String> whoAmI = io.grpc.MethodDescriptor.<String, String>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("test.v1.Echo/WhoAmI")
                .setRequestMarshaller(Utf8.INSTANCE).setResponseMarshaller(Utf8.INSTANCE).build();
        io.grpc.BindableService echo = () -> io.grpc.ServerServiceDefinition.builder("test.v1.Echo")
                .addMethod(whoAmI, io.grpc.stub.ServerCalls.asyncUnaryCall((request, response) -> {
                    io.framegrid.coordinator.identity.Principal p = io.framegrid.coordinator.identity.Principal.current();
                    response.onNext(p == null ? "anonymous" : p.role());
                    response.onCompleted();
                })).build();
        CoordinatorProduct serving = new CoordinatorProduct() {
            @Override
            public String name() {
                return "serving";
            }

            @Override
            public void register(JobTypes types, Context context) {
            }

            @Override
            public List<io.grpc.BindableService> services(Context context) {
                return List.of(echo);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        String name = io.grpc.inprocess.InProcessServerBuilder.generateName();
        try (CoordinatorServer server = new CoordinatorServer(cluster.ignite(), cluster.config(),
                new Telemetry(new PrometheusRegistry()), cluster.clock(), List.of(serving))) {
            io.grpc.inprocess.InProcessServerBuilder builder = io.grpc.inprocess.InProcessServerBuilder.forName(name);
            server.configure(builder);
            io.grpc.Server grpc = builder.build().start();
            io.grpc.ManagedChannel channel = io.grpc.inprocess.InProcessChannelBuilder.forName(name).build();
            try {
                assertThat(io.grpc.stub.ClientCalls.blockingUnaryCall(channel, whoAmI, io.grpc.CallOptions.DEFAULT, ""))
                        .isEqualTo("anonymous");
                String admin = cluster.client().identity().login("admin@framegrid.local", "AdminPass123").getAccessToken();
                // The authenticator ran before the product's service: it sees the caller's principal.
                assertThat(io.grpc.stub.ClientCalls.blockingUnaryCall(bearer(channel, admin), whoAmI,
                        io.grpc.CallOptions.DEFAULT, "")).isEqualTo("admin");
                assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(bearer(channel, "not-a-token"),
                        whoAmI, io.grpc.CallOptions.DEFAULT, "")).hasMessageContaining("UNAUTHENTICATED");
            } finally {
                channel.shutdownNow();
                grpc.shutdownNow();
            }
            assertThat(closed.get()).isFalse();
        }
        assertThat(closed.get()).isTrue();
    }

    @Test
    void anInProcessChannelServesTheSameAuthenticatedServicesUntilTheServerCloses() {
        io.grpc.ManagedChannel channel;
        try (CoordinatorServer server = new CoordinatorServer(cluster.ignite(), cluster.config(),
                new Telemetry(new PrometheusRegistry()), cluster.clock(), List.of())) {
            channel = server.inProcessChannel();
            io.framegrid.sdk.FramegridClient client = io.framegrid.sdk.FramegridClient.builder(channel).build();
            String admin = client.identity().login("admin@framegrid.local", "AdminPass123").getAccessToken();
            assertThat(client.withBearerToken(admin).identity().currentUser().getRole())
                    .isEqualTo(io.framegrid.proto.identity.v1.Role.ROLE_ADMIN);
            // The interceptors are the network server's: no token, no caller.
            assertThatThrownBy(() -> client.identity().currentUser())
                    .isInstanceOf(io.framegrid.sdk.FramegridException.class)
                    .extracting(e -> ((io.framegrid.sdk.FramegridException) e).code())
                    .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
            // A second channel reaches the one in-process server already running.
            io.grpc.ManagedChannel second = server.inProcessChannel();
            assertThat(io.framegrid.sdk.FramegridClient.builder(second).build().withBearerToken(admin).identity()
                    .currentUser().getRole()).isEqualTo(io.framegrid.proto.identity.v1.Role.ROLE_ADMIN);
            second.shutdownNow();
        }
        io.framegrid.sdk.FramegridClient after = io.framegrid.sdk.FramegridClient.builder(channel).build();
        assertThatThrownBy(() -> after.identity().login("admin@framegrid.local", "AdminPass123"))
                .isInstanceOf(io.framegrid.sdk.FramegridException.class)
                .extracting(e -> ((io.framegrid.sdk.FramegridException) e).code())
                .isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        channel.shutdownNow();
    }

    private static io.grpc.Channel bearer(io.grpc.Channel channel, String token) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Strings as UTF-8 bytes, for a hand-written test service. */
    private enum Utf8 implements io.grpc.MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public java.io.InputStream stream(String value) {
            return new java.io.ByteArrayInputStream(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public String parse(java.io.InputStream stream) {
            try {
                return new String(stream.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void bothReflectionVersionsListTheServices() throws Exception {
        List<String> expected = List.of("framegrid.identity.v1.IdentityService", "framegrid.jobs.v1.JobService",
                "grpc.health.v1.Health", "framegrid.annotation.v1.AnnotationService");
        assertThat(Reflection.v1Services(cluster.client().channel())).containsAll(expected)
                .contains("grpc.reflection.v1.ServerReflection");
        assertThat(Reflection.v1alphaServices(cluster.client().channel())).containsAll(expected)
                .contains("grpc.reflection.v1alpha.ServerReflection");
    }

    private static CoordinatorProduct named(String name) {
        return new CoordinatorProduct() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(JobTypes types, Context context) {
            }
        };
    }
}
