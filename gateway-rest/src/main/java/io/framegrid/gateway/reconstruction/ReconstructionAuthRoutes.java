package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.annotation.StatusCode;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Surface D (reconstruction) authentication: {@code /api/v1/auth/*}, OAuth2 password-form login. */
public final class ReconstructionAuthRoutes implements SurfaceRoutes {
    private final SignIn signIn;
    private final Account account;
    private final RateLimiter authLimiter;
    private final Clock clock;

    public ReconstructionAuthRoutes(FramegridClient client, RateLimiter authLimiter, Clock clock) {
        this.signIn = new SignIn(client);
        this.account = new Account(client);
        this.authLimiter = authLimiter;
        this.clock = clock;
    }

    @Override
    public Surface surface() {
        return ReconstructionSurface.CONVENTIONS;
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
        docs.exampleRequests(SignIn.class, "register", "{\"username\":\"mesher\",\"email\":\"mesher@example.com\","
                        + "\"password\":\"Mesh12345\",\"full_name\":\"Mesh Maker\"}")
                .exampleRequests(SignIn.class, "token", "username=mesher&password=Mesh12345")
                .exampleHeaders(SignIn.class, "token",
                        HttpHeaders.of(HttpHeaderNames.CONTENT_TYPE, MediaType.FORM_DATA.toString()))
                .exampleRequests(SignIn.class, "refresh", "{\"refresh_token\":\"eyJhbGciOi...\"}")
                .exampleHeaders(Account.class, HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi..."));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegisterBody(@Required String username, @Required String email, @Required String password,
                               String fullName) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RefreshBody(@Required String refreshToken) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Tokens(String accessToken, String tokenType, String refreshToken, long expiresIn) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UserBody(long id, String username, String email, String fullName, boolean isActive, String createdAt) {
        static UserBody of(User user) {
            return new UserBody(user.getNumericId(), user.getUsername(), user.getEmail(), user.getFullName(),
                    user.getActive(), Users.iso(user.getCreatedAt()));
        }
    }

    /** Register, token (form login) and refresh: counted per client address. */
    @Description("Reconstruction (D) sign-in, on the reconstruction port; 429 past gateway.auth-rate-limit.per-minute "
            + "per client address")
    public static final class SignIn {
        private final FramegridClient client;

        SignIn(FramegridClient client) {
            this.client = client;
        }

        @Post("/api/v1/auth/register")
        @StatusCode(201)
        @Description("Creates an account; the user has an integer id")
        public CompletableFuture<UserBody> register(@RequestObject RegisterBody body) {
            RegisterRequest.Builder register = RegisterRequest.newBuilder()
                    .setUsername(body.username()).setEmail(body.email()).setPassword(body.password());
            if (body.fullName() != null) {
                register.setFullName(body.fullName());
            }
            return client.identityAsync().register(register.build()).thenApply(UserBody::of);
        }

        @Post("/api/v1/auth/token")
        @Description("OAuth2 password login: form-encoded username and password (application/x-www-form-urlencoded)")
        public CompletableFuture<Tokens> token(RequestHeaders headers, @Param("username") Optional<String> username,
                                               @Param("password") Optional<String> password) {
            MediaType type = headers.contentType();
            if (type == null || !type.is(MediaType.FORM_DATA)) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "UNSUPPORTED_CONTENT_TYPE",
                        "Request body must be form-encoded (application/x-www-form-urlencoded)");
            }
            if (username.filter(u -> !u.isBlank()).isEmpty() || password.filter(p -> !p.isEmpty()).isEmpty()) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                        "Form fields 'username' and 'password' are required");
            }
            return client.identityAsync().login(username.get(), password.get()).thenApply(pair ->
                    new Tokens(pair.getAccessToken(), "bearer", pair.getRefreshToken(), pair.getExpiresIn()));
        }

        // Not in the reconstruction spec: access tokens last 30 minutes, so sessions need a way to renew.
        @Post("/api/v1/auth/refresh")
        @Description("Rotates a refresh token (not in the spec: access tokens last 30 minutes)")
        public CompletableFuture<Tokens> refresh(@RequestObject RefreshBody body) {
            return client.identityAsync().refresh(body.refreshToken()).thenApply(pair ->
                    new Tokens(pair.getAccessToken(), "bearer", pair.getRefreshToken(), pair.getExpiresIn()));
        }
    }

    @Description("Reconstruction (D) account, on the reconstruction port")
    public static final class Account {
        private final FramegridClient client;

        Account(FramegridClient client) {
            this.client = client;
        }

        @Get("/api/v1/auth/me")
        @Description("The bearer token's user")
        public CompletableFuture<UserBody> me(RequestHeaders headers) {
            return client.withBearerToken(Credentials.bearer(headers)).identityAsync().currentUser()
                    .thenApply(UserBody::of);
        }
    }
}
