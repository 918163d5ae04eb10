package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.ApiException;
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

/** Surface D (reconstruction) authentication: {@code /api/v1/auth/*}, OAuth2 password-form login. */
public final class ReconstructionAuthRoutes implements SurfaceRoutes {
    private final FramegridClient client;
    private final RateLimiter authLimiter;

    public ReconstructionAuthRoutes(FramegridClient client, RateLimiter authLimiter) {
        this.client = client;
        this.authLimiter = authLimiter;
    }

    @Override
    public Surface surface() {
        return Surface.RECONSTRUCTION;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().post("/api/v1/auth/register").build(endpoints.limited(authLimiter, req -> {
            RegisterRequest.Builder register = RegisterRequest.newBuilder()
                    .setUsername(req.required("username"))
                    .setEmail(req.required("email"))
                    .setPassword(req.required("password"));
            String fullName = req.optional("full_name");
            if (fullName != null) {
                register.setFullName(fullName);
            }
            return client.identityAsync().register(register.build())
                    .thenApply(user -> Json.response(HttpStatus.CREATED, user(user)));
        }));
        sb.route().post("/api/v1/auth/token").build(endpoints.limited(authLimiter, req -> {
            QueryParams form = req.form();
            String username = form.get("username");
            String password = form.get("password");
            if (username == null || username.isBlank() || password == null || password.isEmpty()) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                        "Form fields 'username' and 'password' are required");
            }
            return client.identityAsync().login(username, password).thenApply(pair -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", pair.getAccessToken());
                body.put("token_type", "bearer");
                body.put("refresh_token", pair.getRefreshToken());
                body.put("expires_in", pair.getExpiresIn());
                return Json.response(HttpStatus.OK, body);
            });
        }));
        // Not in the reconstruction spec: access tokens last 30 minutes, so sessions need a way to renew.
        sb.route().post("/api/v1/auth/refresh").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().refresh(req.required("refresh_token")).thenApply(pair -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("access_token", pair.getAccessToken());
                    body.put("token_type", "bearer");
                    body.put("refresh_token", pair.getRefreshToken());
                    body.put("expires_in", pair.getExpiresIn());
                    return Json.response(HttpStatus.OK, body);
                })));
        sb.route().get("/api/v1/auth/me").build(endpoints.of(req ->
                client.withBearerToken(req.bearerToken()).identityAsync().currentUser()
                        .thenApply(user -> Json.response(HttpStatus.OK, user(user)))));
    }

    static Map<String, Object> user(User user) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", user.getNumericId());
        body.put("username", user.getUsername());
        body.put("email", user.getEmail());
        body.put("full_name", user.getFullName());
        body.put("is_active", user.getActive());
        body.put("created_at", Users.iso(user.getCreatedAt()));
        return body;
    }
}
