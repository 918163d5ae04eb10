package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.annotation.StatusCode;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ClientAddressLimit;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.Required;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Surface E (detection) authentication, under both {@code /api/} and the versioned {@code /api/v1/}. */
public final class DetectionAuthRoutes implements SurfaceRoutes {
    private static final List<String> PREFIXES = List.of("/api", "/api/v1");

    private final SignIn signIn;
    private final Account account;
    private final RateLimiter authLimiter;
    private final Clock clock;

    public DetectionAuthRoutes(FramegridClient client, RateLimiter authLimiter, Clock clock) {
        this.signIn = new SignIn(client);
        this.account = new Account(client);
        this.authLimiter = authLimiter;
        this.clock = clock;
    }

    @Override
    public Surface surface() {
        return DetectionSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        // One budget for both prefixes: the same client signing in under /api/ and /api/v1/ is one client.
        var throttle = endpoints.throttled(new ClientAddressLimit(authLimiter, clock));
        for (String prefix : PREFIXES) {
            endpoints.annotated(sb).pathPrefix(prefix).decorator(throttle).build(signIn);
            endpoints.annotated(sb).pathPrefix(prefix).build(account);
        }
    }

    @Override
    public List<Documented> documented() {
        List<Documented> documented = new ArrayList<>();
        for (String prefix : PREFIXES) {
            documented.add(new Documented(prefix, signIn));
            documented.add(new Documented(prefix, account));
        }
        return documented;
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleRequests(SignIn.class, "register",
                        "{\"username\":\"spotter\",\"email\":\"spotter@example.com\",\"password\":\"Detect123\"}")
                .exampleRequests(SignIn.class, "login", "{\"username\":\"spotter\",\"password\":\"Detect123\"}")
                .exampleRequests(SignIn.class, "refresh", "{\"refresh_token\":\"eyJhbGciOi...\"}")
                .exampleHeaders(Account.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    public record RegisterBody(@Required String username, @Required String email, @Required String password) {}

    public record LoginBody(@Required String username, @Required String password) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RefreshBody(@Required String refreshToken) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Registered(String userId, String message) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LoggedIn(String token, String userId, String refreshToken, long expiresIn) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Refreshed(String token, String refreshToken, long expiresIn) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Me(String userId, String username, String email, String role) {}

    /** Register, login and refresh (paths relative to {@code /api} and {@code /api/v1}): counted per client address. */
    @Description("Detection (E) sign-in under /api and /api/v1, on the detection port; 429 past "
            + "gateway.auth-rate-limit.per-minute per client address")
    public static final class SignIn {
        private final FramegridClient client;

        SignIn(FramegridClient client) {
            this.client = client;
        }

        @Post("/auth/register")
        @StatusCode(201)
        @Description("Creates an account")
        public CompletableFuture<Registered> register(@RequestObject RegisterBody body) {
            return client.identityAsync().register(RegisterRequest.newBuilder()
                            .setUsername(body.username()).setEmail(body.email()).setPassword(body.password()).build())
                    .thenApply(user -> new Registered(user.getUserId(), "User registered successfully"));
        }

        @Post("/auth/login")
        @Description("Exchanges username and password for a 30-minute token and a refresh token")
        public CompletableFuture<LoggedIn> login(@RequestObject LoginBody body) {
            return client.identityAsync().login(body.username(), body.password()).thenApply(pair ->
                    new LoggedIn(pair.getAccessToken(), pair.getUserId(), pair.getRefreshToken(), pair.getExpiresIn()));
        }

        // Not in the detection spec: renewal of the 30-minute token.
        @Post("/auth/refresh")
        @Description("Rotates a refresh token (not in the spec)")
        public CompletableFuture<Refreshed> refresh(@RequestObject RefreshBody body) {
            return client.identityAsync().refresh(body.refreshToken()).thenApply(pair ->
                    new Refreshed(pair.getAccessToken(), pair.getRefreshToken(), pair.getExpiresIn()));
        }
    }

    @Description("Detection (E) account under /api and /api/v1, on the detection port")
    public static final class Account {
        private final FramegridClient client;

        Account(FramegridClient client) {
            this.client = client;
        }

        // Not in the detection spec: reading one's own profile.
        @Get("/auth/me")
        @Description("The bearer token's user (not in the spec)")
        public CompletableFuture<Me> me(RequestHeaders headers) {
            return client.withBearerToken(Credentials.bearer(headers)).identityAsync().currentUser().thenApply(user ->
                    new Me(user.getUserId(), user.getUsername(), user.getEmail(), Users.role(user)));
        }
    }
}
