package io.framegrid.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One user store behind every surface: an account made on one surface is the same account on the others. */
class CrossSurfaceIdentityTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    @Test
    void userRegisteredOnReconstructionLogsInOnDetectionAndIsKnownToStudioAndAnnotation() {
        String name = "cross" + UUID.randomUUID().toString().substring(0, 8);
        String email = name + "@example.com";
        Reply reg = gw.postJson("reconstruction", "/api/v1/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + email + "\",\"password\":\"Shared1234\"}");
        assertThat(reg.status()).isEqualTo(201);
        Reply login = gw.postJson("detection", "/api/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"Shared1234\"}");
        assertThat(login.status()).isEqualTo(200);
        String token = login.json().get("token").asText();
        String userId = login.json().get("user_id").asText();

        Reply studioMe = gw.get("studio", "/api/v1/auth/me", "Authorization", "Bearer " + token);
        assertThat(studioMe.json().get("user_id").asText()).isEqualTo(userId);
        assertThat(studioMe.json().get("email").asText()).isEqualTo(email);
        Reply annotationUser = gw.get("annotation", "/api/users/" + userId, "Authorization", "Bearer " + token);
        assertThat(annotationUser.json().get("username").asText()).isEqualTo(name);
        Reply reconMe = gw.get("reconstruction", "/api/v1/auth/me", "Authorization", "Bearer " + token);
        assertThat(reconMe.json().get("id").asLong()).isEqualTo(reg.json().get("id").asLong());
    }

    @Test
    void studioUserLogsInOnAnnotationWithEmailAndOnDetectionWithEmailAsUsername() {
        String email = "b" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        assertThat(gw.postJson("studio", "/api/v1/auth/register",
                "{\"email\":\"" + email + "\",\"password\":\"Studio1234\"}").status()).isEqualTo(201);
        assertThat(gw.postJson("annotation", "/api/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"Studio1234\"}").status()).isEqualTo(200);
        assertThat(gw.postJson("detection", "/api/auth/login",
                "{\"username\":\"" + email + "\",\"password\":\"Studio1234\"}").status()).isEqualTo(200);
        // The same email cannot be claimed again from another surface.
        Reply again = gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().get("detail").asText()).isEqualTo("Email already registered");
    }

    @Test
    void apiKeyAccountsCannotLogInWithAPassword() {
        String email = "k" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        Reply login = gw.postJson("studio", "/api/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"Anything123\"}");
        assertThat(login.status()).isEqualTo(401);
    }
}
