package io.framegrid.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import java.util.Map;
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
