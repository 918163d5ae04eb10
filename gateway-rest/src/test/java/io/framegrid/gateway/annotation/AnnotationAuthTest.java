package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AnnotationAuthTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static String name() {
        return "ann" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Reply register(String username, String email) {
        return gw.postJson("annotation", "/api/auth/register",
                "{\"username\":\"" + username + "\",\"email\":\"" + email + "\",\"password\":\"Annotate123\"}");
    }

    private static void assertAnnotationError(Reply reply, int status) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("status").asText()).isEqualTo("error");
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }

    private static String[] login(String email) {
        Reply login = gw.postJson("annotation", "/api/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"Annotate123\"}");
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        assertThat(login.json().get("status").asText()).isEqualTo("success");
        return new String[] {login.json().get("access_token").asText(), login.json().get("refresh_token").asText(),
                login.json().get("user_id").asText()};
    }

    @Test
    void registerLoginRefreshAndReadProfile() {
        String name = name();
        String email = name + "@example.com";
        Reply reg = register(name, email);
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        assertThat(reg.json().get("status").asText()).isEqualTo("success");
        assertThat(reg.json().get("message").asText()).isEqualTo("User registered successfully");
        String[] tokens = login(email);
        Reply refreshed = gw.postJson("annotation", "/api/auth/refresh_token",
                "{\"refresh_token\":\"" + tokens[1] + "\"}");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.json().get("status").asText()).isEqualTo("success");
        String access = refreshed.json().get("access_token").asText();
        Reply user = gw.get("annotation", "/api/users/" + tokens[2], "Authorization", "Bearer " + access);
        assertThat(user.status()).isEqualTo(200);
        assertThat(user.json().get("user_id").asText()).isEqualTo(tokens[2]);
        assertThat(user.json().get("username").asText()).isEqualTo(name);
        assertThat(user.json().get("email").asText()).isEqualTo(email);
        assertThat(user.json().get("role").asText()).isEqualTo("user");
    }

    @Test
    void updateUserChangesUsernameAndEmail() {
        String name = name();
        register(name, name + "@example.com");
        String[] tokens = login(name + "@example.com");
        String newName = name();
        Reply update = gw.putJson("annotation", "/api/users/" + tokens[2],
                "{\"username\":\"" + newName + "\",\"email\":\"" + newName + "@example.com\"}",
                "Authorization", "Bearer " + tokens[0]);
        assertThat(update.status()).as(update.toString()).isEqualTo(200);
        assertThat(update.json().get("message").asText()).isEqualTo("User info updated");
        Reply user = gw.get("annotation", "/api/users/" + tokens[2], "Authorization", "Bearer " + tokens[0]);
        assertThat(user.json().get("username").asText()).isEqualTo(newName);
        assertThat(user.json().get("email").asText()).isEqualTo(newName + "@example.com");
    }

    @Test
    void anotherUsersProfileIsForbiddenAndTakenValuesConflict() {
        String alice = name();
        String bob = name();
        register(alice, alice + "@example.com");
        register(bob, bob + "@example.com");
        String[] aliceTokens = login(alice + "@example.com");
        String bobId = login(bob + "@example.com")[2];
        assertAnnotationError(gw.get("annotation", "/api/users/" + bobId, "Authorization", "Bearer " + aliceTokens[0]), 403);
        assertAnnotationError(gw.putJson("annotation", "/api/users/" + bobId, "{\"username\":\"x" + alice + "\"}",
                "Authorization", "Bearer " + aliceTokens[0]), 403);
        assertAnnotationError(gw.putJson("annotation", "/api/users/" + aliceTokens[2], "{\"username\":\"" + bob + "\"}",
                "Authorization", "Bearer " + aliceTokens[0]), 409);
    }

    @Test
    void errorClassesAnswerInTheAnnotationFormat() {
        String name = name();
        register(name, name + "@example.com");
        assertAnnotationError(register(name, name() + "@example.com"), 409);
        assertAnnotationError(register(name(), name + "@example.com"), 409);
        assertAnnotationError(gw.postJson("annotation", "/api/auth/register", "{\"username\":\"abc\"}"), 400);
        assertAnnotationError(gw.postJson("annotation", "/api/auth/register", "{oops"), 400);
        assertAnnotationError(gw.postJson("annotation", "/api/auth/login",
                "{\"email\":\"" + name + "@example.com\",\"password\":\"Nope12345\"}"), 401);
        assertAnnotationError(gw.get("annotation", "/api/users/whatever"), 401);
        assertAnnotationError(gw.get("annotation", "/api/users/whatever", "Authorization", "Bearer not.a.jwt"), 401);
        assertAnnotationError(gw.get("annotation", "/api/nowhere"), 404);
        assertAnnotationError(gw.postJson("annotation", "/api/auth/refresh_token", "{\"refresh_token\":\"nope\"}"), 401);
        assertAnnotationError(gw.postJson("annotation", "/api/auth/refresh_token", "{}"), 400);
        String[] tokens = login(name + "@example.com");
        assertAnnotationError(gw.postJson("annotation", "/api/auth/refresh_token",
                "{\"refresh_token\":\"" + tokens[0] + "\"}"), 401);
        assertAnnotationError(gw.putJson("annotation", "/api/users/" + tokens[2], "{}",
                "Authorization", "Bearer " + tokens[0]), 400);
        assertAnnotationError(gw.putJson("annotation", "/api/users/" + tokens[2], "{\"email\":\"bad\"}",
                "Authorization", "Bearer " + tokens[0]), 400);
    }
}
