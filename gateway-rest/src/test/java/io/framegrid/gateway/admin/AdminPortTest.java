package io.framegrid.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminPortTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    @Test
    void docServiceDocumentsTheCoordinatorServices() {
        Reply spec = gw.get("admin", "/docs/specification.json");
        assertThat(spec.status()).isEqualTo(200);
        assertThat(spec.response().body()).contains("framegrid.identity.v1.IdentityService", "framegrid.jobs.v1.JobService",
                "framegrid.media.v1.MediaService", "Register", "RefreshRequest");
        assertThat(gw.get("admin", "/internal/health").status()).isEqualTo(200);
    }

    @Test
    void docServiceDocumentsTheRestRoutesOfEverySurfaceWithExamples() throws Exception {
        JsonNode spec = gw.get("admin", "/docs/specification.json").json();
        Map<String, JsonNode> services = new HashMap<>();
        spec.get("services").forEach(service -> services.put(service.get("name").asText(), service));
        Map<String, List<String>> expected = Map.of(
                "io.framegrid.gateway.studio.StudioAuthRoutes$SignIn",
                List.of("/studio/api/v1/auth/register", "/studio/api/v1/auth/login", "/studio/api/v1/auth/refresh"),
                "io.framegrid.gateway.studio.StudioAuthRoutes$Account", List.of("/studio/api/v1/auth/me"),
                "io.framegrid.gateway.studio.upload.StudioUploadRoutes$Uploads",
                List.of("/studio/api/v1/chunked-upload/init", "/studio/api/v1/files/"),
                "io.framegrid.gateway.studio.upload.StudioUploadRoutes$Chunks",
                List.of("/studio/api/v1/chunked-upload/chunk/"),
                "io.framegrid.gateway.annotation.AnnotationAuthRoutes$UsersRoutes", List.of("/annotation/api/users/"),
                "io.framegrid.gateway.reframer.ReframerAuthRoutes$SignUp", List.of("/reframer/register"),
                "io.framegrid.gateway.reconstruction.ReconstructionAuthRoutes$SignIn",
                List.of("/reconstruction/api/v1/auth/token"),
                "io.framegrid.gateway.detection.DetectionAuthRoutes$SignIn",
                List.of("/detection/api/auth/login", "/detection/api/v1/auth/login"));
        expected.forEach((service, paths) -> {
            assertThat(services).as("documented services").containsKey(service);
            assertThat(services.get(service).toString()).as(service).contains(paths);
        });
        assertThat(services.get("io.framegrid.gateway.studio.StudioAuthRoutes$SignIn").toString()).contains("SecurePass123!");
        assertThat(services).containsKeys("io.framegrid.gateway.reframer.ReframerUploads",
                "io.framegrid.gateway.reframer.ReframerQueries");
        assertThat(services.get("io.framegrid.gateway.reframer.ReframerUploads").toString())
                .contains("/reframer/process", "vr_0123456789");
        assertThat(services.get("io.framegrid.gateway.reframer.ReframerQueries").toString())
                .contains("/reframer/job/", "/reframer/results/", "/reframer/videos", "vr_0123456789");
        assertThat(spec.toString()).contains("Studio (B) sign-in");
        // Documented on the admin port, served on the surface's: a call there is sent on its way.
        Reply misdirected = gw.get("admin", "/studio/api/v1/auth/me");
        assertThat(misdirected.status()).isEqualTo(421);
        assertThat(misdirected.json().get("error").get("message").asText())
                .isEqualTo("Served on the studio port, " + gw.uri("studio", "/").getPort());
    }

    @Test
    void reflectionAnswersInV1AndV1Alpha() throws Exception {
        int port = gw.uri("admin", "/").getPort();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            List<String> v1 = new ArrayList<>();
            CompletableFuture<Void> v1Done = new CompletableFuture<>();
            StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> v1Requests =
                    io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                        @Override public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                            r.getListServicesResponse().getServiceList().forEach(s -> v1.add(s.getName()));
                        }
                        @Override public void onError(Throwable t) { v1Done.completeExceptionally(t); }
                        @Override public void onCompleted() { v1Done.complete(null); }
                    });
            v1Requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
            v1Requests.onCompleted();
            List<String> v1alpha = new ArrayList<>();
            CompletableFuture<Void> v1alphaDone = new CompletableFuture<>();
            StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> alphaRequests =
                    io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                        @Override public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
                            r.getListServicesResponse().getServiceList().forEach(s -> v1alpha.add(s.getName()));
                        }
                        @Override public void onError(Throwable t) { v1alphaDone.completeExceptionally(t); }
                        @Override public void onCompleted() { v1alphaDone.complete(null); }
                    });
            alphaRequests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
            alphaRequests.onCompleted();
            v1Done.get(10, TimeUnit.SECONDS);
            v1alphaDone.get(10, TimeUnit.SECONDS);
            assertThat(v1).contains("framegrid.identity.v1.IdentityService", "framegrid.jobs.v1.JobService");
            assertThat(v1alpha).contains("framegrid.identity.v1.IdentityService", "framegrid.jobs.v1.JobService",
                    "framegrid.media.v1.MediaService");
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void adminPortRelaysGrpcCallsWithTheirCredentials() {
        int port = gw.uri("admin", "/").getPort();
        try (FramegridClient viaAdmin = FramegridClient.builder("127.0.0.1:" + port).build()) {
            viaAdmin.identity().register(RegisterRequest.newBuilder().setEmail("relay@example.com")
                    .setPassword("Relay12345").build());
            String token = viaAdmin.identity().login("relay@example.com", "Relay12345").getAccessToken();
            assertThat(viaAdmin.withBearerToken(token).identity().currentUser().getEmail()).isEqualTo("relay@example.com");
            assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(viaAdmin.channel())
                    .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
            try {
                viaAdmin.identity().currentUser();
                throw new AssertionError("anonymous call succeeded");
            } catch (FramegridException e) {
                assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.reason()).isEqualTo("MISSING_CREDENTIALS");
            }
        }
    }
}
