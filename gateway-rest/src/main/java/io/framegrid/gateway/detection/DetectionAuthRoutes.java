package io.framegrid.gateway.detection;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import java.util.LinkedHashMap;
import java.util.Map;

/** Surface E (detection) authentication, under both {@code /api/} and the versioned {@code /api/v1/}. */
public final class DetectionAuthRoutes implements SurfaceRoutes {
    private final FramegridClient client;
    private final RateLimiter authLimiter;

    public DetectionAuthRoutes(FramegridClient client, RateLimiter authLimiter) {
        this.client = client;
        this.authLimiter = authLimiter;
    }

    @Override
    public Surface surface() {
        return Surface.DETECTION;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        for (String base : new String[] {"/api", "/api/v1"}) {
            sb.route().post(base + "/auth/register").build(endpoints.limited(authLimiter, req ->
                    client.identityAsync().register(RegisterRequest.newBuilder()
                            .setUsername(req.required("username"))
                            .setEmail(req.required("email"))
                            .setPassword(req.required("password"))
                            .build()).thenApply(user -> {
                                Map<String, Object> body = new LinkedHashMap<>();
                                body.put("user_id", user.getUserId());
                                body.put("message", "User registered successfully");
                                return Json.response(HttpStatus.CREATED, body);
                            })));
            sb.route().post(base + "/auth/login").build(endpoints.limited(authLimiter, req ->
                    client.identityAsync().login(req.required("username"), req.required("password")).thenApply(pair -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("token", pair.getAccessToken());
                        body.put("user_id", pair.getUserId());
                        body.put("refresh_token", pair.getRefreshToken());
                        body.put("expires_in", pair.getExpiresIn());
                        return Json.response(HttpStatus.OK, body);
                    })));
            // Not in the detection spec: renewal of the 30-minute token, and reading one's own profile.
            sb.route().post(base + "/auth/refresh").build(endpoints.limited(authLimiter, req ->
                    client.identityAsync().refresh(req.required("refresh_token")).thenApply(pair -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("token", pair.getAccessToken());
                        body.put("refresh_token", pair.getRefreshToken());
                        body.put("expires_in", pair.getExpiresIn());
                        return Json.response(HttpStatus.OK, body);
                    })));
            sb.route().get(base + "/auth/me").build(endpoints.of(req ->
                    client.withBearerToken(req.bearerToken()).identityAsync().currentUser().thenApply(user -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("user_id", user.getUserId());
                        body.put("username", user.getUsername());
                        body.put("email", user.getEmail());
                        body.put("role", Users.role(user));
                        return Json.response(HttpStatus.OK, body);
                    })));
        }
    }
}
