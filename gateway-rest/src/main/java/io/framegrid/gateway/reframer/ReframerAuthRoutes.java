package io.framegrid.gateway.reframer;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Request;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.sdk.FramegridClient;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Surface C (reframer): {@code /health}, {@code /register} (API keys) and {@code /account}. */
public final class ReframerAuthRoutes implements SurfaceRoutes {
    private static final DateTimeFormatter HEALTH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

    private final FramegridClient client;
    private final RateLimiter authLimiter;
    private final Supplier<List<String>> loadedModels;

    public ReframerAuthRoutes(FramegridClient client, RateLimiter authLimiter, Supplier<List<String>> loadedModels) {
        this.client = client;
        this.authLimiter = authLimiter;
        this.loadedModels = loadedModels;
    }

    @Override
    public Surface surface() {
        return Surface.REFRAMER;
    }

    /** The API key of a reframer request; 401 in the reframer's words when it is absent. */
    public static String apiKey(Request req) {
        String key = req.header("x-api-key");
        if (key == null || key.isBlank()) {
            throw ApiException.unauthorized("MISSING_API_KEY", "Missing API key");
        }
        return key.trim();
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().get("/health").build(endpoints.of(req -> health()));
        sb.route().post("/register").build(endpoints.limited(authLimiter, req ->
                client.identityAsync().registerApiKeyUser(req.required("email")).thenApply(reg -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", "success");
                    body.put("user_id", reg.getUser().getUserId());
                    body.put("email", reg.getUser().getEmail());
                    body.put("api_key", reg.getApiKey());
                    return Json.response(HttpStatus.OK, body);
                })));
        // Not in the reframer spec: lets a key holder check which account a key belongs to.
        sb.route().get("/account").build(endpoints.of(req ->
                client.withApiKey(apiKey(req)).identityAsync().currentUser().thenApply(user -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("user_id", user.getUserId());
                    body.put("email", user.getEmail());
                    body.put("tier", Users.tier(user));
                    body.put("created_at", Users.iso(user.getCreatedAt()));
                    return Json.response(HttpStatus.OK, body);
                })));
    }

    private CompletableFuture<com.linecorp.armeria.common.HttpResponse> health() {
        CompletableFuture<Boolean> serving = new CompletableFuture<>();
        HealthGrpc.newStub(client.channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                    @Override public void onNext(HealthCheckResponse value) {
                        serving.complete(value.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
                    }
                    @Override public void onError(Throwable t) { serving.complete(false); }
                    @Override public void onCompleted() { serving.complete(false); }
                });
        return serving.thenApply(ok -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ok ? "healthy" : "unhealthy");
            body.put("database", ok ? "connected" : "disconnected");
            body.put("models", loadedModels.get());
            body.put("timestamp", HEALTH_TIME.format(LocalDateTime.now(ZoneOffset.UTC)));
            return Json.response(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, body);
        });
    }
}
