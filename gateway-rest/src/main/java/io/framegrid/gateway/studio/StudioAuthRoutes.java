package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
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
import io.framegrid.proto.identity.v1.User;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Surface B (studio) authentication: {@code /api/v1/auth/*}. Sign-in routes are rate limited per client address. */
public final class StudioAuthRoutes implements SurfaceRoutes {
    private final SignIn signIn;
    private final Account account;
    private final RateLimiter authLimiter;
    private final Clock clock;

    public StudioAuthRoutes(FramegridClient client, RateLimiter authLimiter, Clock clock) {
        this.signIn = new SignIn(client);
        this.account = new Account(client);
        this.authLimiter = authLimiter;
        this.clock = clock;
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).decorator(endpoints.throttled(new ClientAddressLimit(authLimiter, clock))).build(signIn);
        endpoints.annotated(sb).build(account);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(signIn), Documented.of(account));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleRequests(SignIn.class, "register",
                        "{\"email\":\"user@example.com\",\"password\":\"SecurePass123!\",\"full_name\":\"John Doe\"}")
                .exampleRequests(SignIn.class, "login", "{\"email\":\"user@example.com\",\"password\":\"SecurePass123!\"}")
                .exampleRequests(SignIn.class, "refresh", "{\"refresh_token\":\"eyJhbGciOi...\"}")
                .exampleHeaders(Account.class, "me", HttpHeaders.of("authorization", "Bearer eyJhbGciOi..."));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegisterBody(@Required String email, @Required String password, String fullName) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LoginBody(@Required String email, @Required String password) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RefreshBody(@Required String refreshToken) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Registered(String userId, String email, String tier, long credits) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Tokens(String accessToken, String refreshToken, String tokenType, long expiresIn) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Refreshed(String accessToken, long expiresIn, String refreshToken) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Profile(String userId, String email, String fullName, String tier, String role, long credits,
                          String createdAt, String lastLogin) {
        static Profile of(User user) {
            return new Profile(user.getUserId(), user.getEmail(), user.getFullName(), Users.tier(user), Users.role(user),
                    user.getCredits(), Users.iso(user.getCreatedAt()),
                    user.hasLastLogin() ? Users.iso(user.getLastLogin()) : null);
        }
    }

    /** Register, login and refresh: counted per client address against {@code gateway.auth-rate-limit.per-minute}. */
    @Description("Studio (B) sign-in, on the studio port; 429 past gateway.auth-rate-limit.per-minute per client address")
    public static final class SignIn {
        private final FramegridClient client;

        SignIn(FramegridClient client) {
            this.client = client;
        }

        @Post("/api/v1/auth/register")
        @StatusCode(201)
        @Description("Creates a free-tier account with the sign-up credits")
        public CompletableFuture<Registered> register(@RequestObject RegisterBody body) {
            RegisterRequest.Builder register = RegisterRequest.newBuilder()
                    .setEmail(body.email())
                    .setPassword(body.password());
            if (body.fullName() != null) {
                register.setFullName(body.fullName());
            }
            return client.identityAsync().register(register.build()).thenApply(user ->
                    new Registered(user.getUserId(), user.getEmail(), Users.tier(user), user.getCredits()));
        }

        @Post("/api/v1/auth/login")
        @Description("Exchanges email and password for an access token (30 min) and a refresh token")
        public CompletableFuture<Tokens> login(@RequestObject LoginBody body) {
            return client.identityAsync().login(body.email(), body.password()).thenApply(pair ->
                    new Tokens(pair.getAccessToken(), pair.getRefreshToken(), "Bearer", pair.getExpiresIn()));
        }

        @Post("/api/v1/auth/refresh")
        @Description("Rotates a refresh token: the presented one is spent, its successor is returned")
        public CompletableFuture<Refreshed> refresh(@RequestObject RefreshBody body) {
            return client.identityAsync().refresh(body.refreshToken()).thenApply(pair ->
                    new Refreshed(pair.getAccessToken(), pair.getExpiresIn(), pair.getRefreshToken()));
        }
    }

    /** The signed-in user's own account. */
    @Description("Studio (B) account, on the studio port")
    public static final class Account {
        private final FramegridClient client;

        Account(FramegridClient client) {
            this.client = client;
        }

        @Get("/api/v1/auth/me")
        @Description("The profile of the bearer token's user")
        public CompletableFuture<Profile> me(RequestHeaders headers) {
            return client.withBearerToken(Credentials.bearer(headers)).identityAsync().currentUser().thenApply(Profile::of);
        }
    }
}
