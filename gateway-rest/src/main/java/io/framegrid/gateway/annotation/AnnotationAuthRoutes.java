package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;
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
import io.framegrid.proto.identity.v1.UpdateUserRequest;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Surface A (drive annotation) authentication and user management: {@code /api/auth/*}, {@code /api/users/*}. */
public final class AnnotationAuthRoutes implements SurfaceRoutes {
    private final SignIn signIn;
    private final UsersRoutes users;
    private final RateLimiter authLimiter;
    private final Clock clock;

    public AnnotationAuthRoutes(FramegridClient client, RateLimiter authLimiter, Clock clock) {
        this.signIn = new SignIn(client);
        this.users = new UsersRoutes(client);
        this.authLimiter = authLimiter;
        this.clock = clock;
    }

    @Override
    public Surface surface() {
        return AnnotationSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).decorator(endpoints.throttled(new ClientAddressLimit(authLimiter, clock))).build(signIn);
        endpoints.annotated(sb).build(users);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(signIn), Documented.of(users));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        docs.exampleRequests(SignIn.class, "register",
                        "{\"username\":\"annotator1\",\"email\":\"annotator1@example.com\",\"password\":\"Annotate123\"}")
                .exampleRequests(SignIn.class, "login", "{\"email\":\"annotator1@example.com\",\"password\":\"Annotate123\"}")
                .exampleRequests(SignIn.class, "refreshToken", "{\"refresh_token\":\"eyJhbGciOi...\"}")
                .exampleRequests(UsersRoutes.class, "update", "{\"username\":\"annotator2\"}")
                .exampleHeaders(UsersRoutes.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    public record RegisterBody(@Required String username, @Required String email, @Required String password) {}

    public record LoginBody(@Required String email, @Required String password) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RefreshBody(@Required String refreshToken) {}

    public record UpdateBody(String username, String email) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Registered(String status, String message, String userId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LoggedIn(String status, String accessToken, String refreshToken, String userId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Refreshed(String status, String accessToken, String refreshToken) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UserInfo(String userId, String username, String email, String role) {}

    public record Updated(String status, String message) {}

    /** Register, login and token refresh: counted per client address. */
    @Description("Annotation (A) sign-in, on the annotation port; 429 past gateway.auth-rate-limit.per-minute per client address")
    public static final class SignIn {
        private final FramegridClient client;

        SignIn(FramegridClient client) {
            this.client = client;
        }

        @Post("/api/auth/register")
        @StatusCode(201)
        @Description("Creates an annotator account")
        public CompletableFuture<Registered> register(@RequestObject RegisterBody body) {
            return client.identityAsync().register(RegisterRequest.newBuilder()
                            .setUsername(body.username()).setEmail(body.email()).setPassword(body.password()).build())
                    .thenApply(user -> new Registered("success", "User registered successfully", user.getUserId()));
        }

        @Post("/api/auth/login")
        @Description("Exchanges email and password for an access and a refresh token")
        public CompletableFuture<LoggedIn> login(@RequestObject LoginBody body) {
            return client.identityAsync().login(body.email(), body.password()).thenApply(pair ->
                    new LoggedIn("success", pair.getAccessToken(), pair.getRefreshToken(), pair.getUserId()));
        }

        @Post("/api/auth/refresh_token")
        @Description("Rotates a refresh token: the old one is spent, its successor is returned")
        public CompletableFuture<Refreshed> refreshToken(@RequestObject RefreshBody body) {
            return client.identityAsync().refresh(body.refreshToken()).thenApply(pair ->
                    new Refreshed("success", pair.getAccessToken(), pair.getRefreshToken()));
        }
    }

    /** Reading and changing a user; one's own unless admin (the coordinator decides). */
    @Description("Annotation (A) users, on the annotation port; bearer token required")
    public static final class UsersRoutes {
        private final FramegridClient client;

        UsersRoutes(FramegridClient client) {
            this.client = client;
        }

        @Get("/api/users/{user_id}")
        @Description("A user's profile: one's own, or any as admin (403 otherwise)")
        public CompletableFuture<UserInfo> user(RequestHeaders headers, @Param("user_id") String userId) {
            return client.withBearerToken(Credentials.bearer(headers)).identityAsync().user(userId).thenApply(user ->
                    new UserInfo(user.getUserId(), user.getUsername(), user.getEmail(), Users.role(user)));
        }

        @Put("/api/users/{user_id}")
        @Description("Changes username and/or email; a taken value is 409")
        public CompletableFuture<Updated> update(RequestHeaders headers, @Param("user_id") String userId,
                                                 @RequestObject UpdateBody body) {
            String token = Credentials.bearer(headers);
            UpdateUserRequest.Builder update = UpdateUserRequest.newBuilder().setUserId(userId);
            if (body.username() != null) {
                update.setUsername(body.username());
            }
            if (body.email() != null) {
                update.setEmail(body.email());
            }
            return client.withBearerToken(token).identityAsync().update(update.build())
                    .thenApply(user -> new Updated("success", "User info updated"));
        }
    }
}
