package io.framegrid.gateway.studio;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.User;
import io.framegrid.sdk.FramegridClient;
import java.util.LinkedHashMap;
import java.util.Map;

/** Surface B (studio) authentication: {@code /api/v1/auth/*}. */
public final class StudioAuthRoutes implements SurfaceRoutes {
    private final FramegridClient client;
    private final RateLimiter authLimiter;

    public StudioAuthRoutes(FramegridClient client, RateLimiter authLimiter) {
        this.client = client;
        this.authLimiter = authLimiter;
    }

    @Override
    public Surface surface() {
        return Surface.STUDIO;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().post("/api/v1/auth/register").build(endpoints.limited(authLimiter, req -> {
            RegisterRequest.Builder register = RegisterRequest.newBuilder()
                    .setEmail(req.required("email"))
                    .setPassword(req.required("password"));
            String fullName = req.optional("full_name");
            if (fullName != null) {
                register.setFullName(fullName);
            }
            return client.identityAsync().register(register.build()).thenApply(user -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("user_id", user.getUserId());
                body.put("email", user.getEmail());
                body.put("tier", Users.tier(user));
                body.put("credits", user.getCredits());
                return Json.response(HttpStatus.CREATED, body);
            });
        }));
        sb.route().post("/api/v1/auth/login").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().login(req.required("email"), req.required("password")).thenApply(pair -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("access_token", pair.getAccessToken());
                    body.put("refresh_token", pair.getRefreshToken());
                    body.put("token_type", "Bearer");
                    body.put("expires_in", pair.getExpiresIn());
                    return Json.response(HttpStatus.OK, body);
                })));
        sb.route().post("/api/v1/auth/refresh").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().refresh(req.required("refresh_token")).thenApply(pair -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("access_token", pair.getAccessToken());
                    body.put("expires_in", pair.getExpiresIn());
                    // Refresh tokens rotate: the presented one is now spent, so the client needs its successor.
                    body.put("refresh_token", pair.getRefreshToken());
                    return Json.response(HttpStatus.OK, body);
                })));
        sb.route().get("/api/v1/auth/me").build(endpoints.of(req ->
                client.withBearerToken(req.bearerToken()).identityAsync().currentUser()
                        .thenApply(user -> Json.response(HttpStatus.OK, profile(user)))));
    }

    static Map<String, Object> profile(User user) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", user.getUserId());
        body.put("email", user.getEmail());
        body.put("full_name", user.getFullName());
        body.put("tier", Users.tier(user));
        body.put("role", Users.role(user));
        body.put("credits", user.getCredits());
        body.put("created_at", Users.iso(user.getCreatedAt()));
        body.put("last_login", user.hasLastLogin() ? Users.iso(user.getLastLogin()) : null);
        return body;
    }
}
