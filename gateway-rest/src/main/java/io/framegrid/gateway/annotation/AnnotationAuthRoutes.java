package io.framegrid.gateway.annotation;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.UpdateUserRequest;
import io.framegrid.sdk.FramegridClient;
import java.util.LinkedHashMap;
import java.util.Map;

/** Surface A (drive annotation) authentication and user management: {@code /api/auth/*}, {@code /api/users/*}. */
public final class AnnotationAuthRoutes implements SurfaceRoutes {
    private final FramegridClient client;
    private final RateLimiter authLimiter;

    public AnnotationAuthRoutes(FramegridClient client, RateLimiter authLimiter) {
        this.client = client;
        this.authLimiter = authLimiter;
    }

    @Override
    public Surface surface() {
        return Surface.ANNOTATION;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().post("/api/auth/register").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().register(RegisterRequest.newBuilder()
                        .setUsername(req.required("username"))
                        .setEmail(req.required("email"))
                        .setPassword(req.required("password"))
                        .build()).thenApply(user -> {
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("status", "success");
                            body.put("message", "User registered successfully");
                            body.put("user_id", user.getUserId());
                            return Json.response(HttpStatus.CREATED, body);
                        })));
        sb.route().post("/api/auth/login").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().login(req.required("email"), req.required("password")).thenApply(pair -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", "success");
                    body.put("access_token", pair.getAccessToken());
                    body.put("refresh_token", pair.getRefreshToken());
                    body.put("user_id", pair.getUserId());
                    return Json.response(HttpStatus.OK, body);
                })));
        sb.route().post("/api/auth/refresh_token").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().refresh(req.required("refresh_token")).thenApply(pair -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", "success");
                    body.put("access_token", pair.getAccessToken());
                    // Rotation: the old refresh token is spent, so hand out its successor.
                    body.put("refresh_token", pair.getRefreshToken());
                    return Json.response(HttpStatus.OK, body);
                })));
        sb.route().get("/api/users/{user_id}").build(endpoints.of(req ->
                client.withBearerToken(req.bearerToken()).identityAsync().user(req.pathParam("user_id"))
                        .thenApply(user -> {
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("user_id", user.getUserId());
                            body.put("username", user.getUsername());
                            body.put("email", user.getEmail());
                            body.put("role", Users.role(user));
                            return Json.response(HttpStatus.OK, body);
                        })));
        sb.route().put("/api/users/{user_id}").build(endpoints.of(req -> {
            String token = req.bearerToken();
            UpdateUserRequest.Builder update = UpdateUserRequest.newBuilder().setUserId(req.pathParam("user_id"));
            String username = req.optional("username");
            String email = req.optional("email");
            if (username != null) {
                update.setUsername(username);
            }
            if (email != null) {
                update.setEmail(email);
            }
            return client.withBearerToken(token).identityAsync().update(update.build()).thenApply(user -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", "success");
                body.put("message", "User info updated");
                return Json.response(HttpStatus.OK, body);
            });
        }));
    }
}
