package io.framegrid.gateway.reframer;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ClientAddressLimit;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Required;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.sdk.FramegridClient;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Surface C (reframer): {@code /health}, {@code /register} (API keys) and {@code /account}. */
public final class ReframerAuthRoutes implements SurfaceRoutes {
    private final Health health;
    private final SignUp signUp;
    private final Account account;
    private final RateLimiter authLimiter;
    private final Clock clock;

    public ReframerAuthRoutes(FramegridClient client, RateLimiter authLimiter, Supplier<List<String>> loadedModels,
                              Clock clock) {
        this.health = new Health(client, loadedModels, clock);
        this.signUp = new SignUp(client);
        this.account = new Account(client);
        this.authLimiter = authLimiter;
        this.clock = clock;
    }

    @Override
    public Surface surface() {
        return ReframerSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).build(health);
        endpoints.annotated(sb).decorator(endpoints.throttled(new ClientAddressLimit(authLimiter, clock))).build(signUp);
        endpoints.annotated(sb).build(account);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(health), Documented.of(signUp), Documented.of(account));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleRequests(SignUp.class, "register", "{\"email\":\"editor@example.com\"}")
                .exampleHeaders(Account.class, HttpHeaders.of("x-api-key", "vr_0123456789abcdefghijklmnopqrstuv"));
    }

    public record RegisterBody(@Required String email) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Registered(String status, String userId, String email, String apiKey) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AccountBody(String userId, String email, String tier, String createdAt) {}

    public record HealthBody(String status, String database, List<String> models, String timestamp) {}

    @Description("Reframer (C) health, on the reframer port: 200 while the coordinator serves, else 503")
    public static final class Health {
        private static final DateTimeFormatter HEALTH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

        private final FramegridClient client;
        private final Supplier<List<String>> loadedModels;
        private final Clock clock;

        Health(FramegridClient client, Supplier<List<String>> loadedModels, Clock clock) {
            this.client = client;
            this.loadedModels = loadedModels;
            this.clock = clock;
        }

        @Get("/health")
        @Description("Whether the grid is reachable (the spec's database), and the loaded models")
        public CompletableFuture<HttpResponse> health() {
            CompletableFuture<Boolean> serving = new CompletableFuture<>();
            HealthGrpc.newStub(client.channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                        @Override public void onNext(HealthCheckResponse value) {
                            serving.complete(value.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
                        }
                        @Override public void onError(Throwable t) { serving.complete(false); }
                        @Override public void onCompleted() { serving.complete(false); }
                    });
            return serving.thenApply(ok -> HttpResponse.ofJson(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
                    new HealthBody(ok ? "healthy" : "unhealthy", ok ? "connected" : "disconnected", loadedModels.get(),
                            HEALTH_TIME.format(LocalDateTime.now(clock)))));
        }
    }

    /** API-key registration: counted per client address. */
    @Description("Reframer (C) API-key registration, on the reframer port; 429 past gateway.auth-rate-limit.per-minute "
            + "per client address")
    public static final class SignUp {
        private final FramegridClient client;

        SignUp(FramegridClient client) {
            this.client = client;
        }

        @Post("/register")
        @Description("Creates an account and returns its API key (vr_ + 32 characters), sent as X-API-Key")
        public CompletableFuture<Registered> register(@RequestObject RegisterBody body) {
            return client.identityAsync().registerApiKeyUser(body.email()).thenApply(reg -> new Registered("success",
                    reg.getUser().getUserId(), reg.getUser().getEmail(), reg.getApiKey()));
        }
    }

    @Description("Reframer (C) account, on the reframer port")
    public static final class Account {
        private final FramegridClient client;

        Account(FramegridClient client) {
            this.client = client;
        }

        // Not in the reframer spec: lets a key holder check which account a key belongs to.
        @Get("/account")
        @Description("The account an X-API-Key belongs to (not in the spec)")
        public CompletableFuture<AccountBody> account(RequestHeaders headers) {
            return client.withApiKey(Credentials.apiKey(headers)).identityAsync().currentUser().thenApply(user ->
                    new AccountBody(user.getUserId(), user.getEmail(), Users.tier(user), Users.iso(user.getCreatedAt())));
        }
    }
}
