package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Required;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.studio.v1.StudioUser;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Surface B's credits and the operators' routes: {@code GET /api/v1/users/credits},
 * {@code POST /api/v1/users/purchase-credits} (an {@code Idempotency-Key} header makes a retried purchase charge
 * once and answer the first purchase again), {@code GET /api/v1/admin/stats} and, beyond the spec,
 * {@code GET /api/v1/admin/users} and {@code PUT /api/v1/admin/users/{user_id}/tier} (403 for users).
 */
public final class StudioAccountRoutes implements SurfaceRoutes {
    /** Longest Idempotency-Key accepted. */
    static final int MAX_KEY_LENGTH = 255;

    private final Credits credits;
    private final Admin admin;
    private final StudioLimits limits;

    StudioAccountRoutes(FramegridClient client, StudioLimits limits) {
        this.credits = new Credits(client);
        this.admin = new Admin(client);
        this.limits = limits;
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        var throttle = endpoints.throttled(limits.perTier());
        endpoints.annotated(sb).decorator(throttle).build(credits);
        endpoints.annotated(sb).decorator(throttle).build(admin);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(credits), Documented.of(admin));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        HttpHeaders bearer = HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi...");
        docs.exampleHeaders(Credits.class, bearer).exampleHeaders(Admin.class, bearer)
                .exampleRequests(Credits.class, "purchase", "{\"package\":\"pro_1000\",\"payment_method\":\"stripe\"}")
                .exampleRequests(Admin.class, "setTier", "{\"tier\":\"pro\"}");
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Balance(long credits, String tier, long creditsPerMinute, String nextRefillDate, long refillTo) {}

    /** {@code package} is a Java keyword, so its component is named apart and checked by the route. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PurchaseBody(@com.fasterxml.jackson.annotation.JsonProperty("package") String pkg,
                               @Required String paymentMethod) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Purchased(String transactionId, long creditsAdded, long newBalance, double amountPaid,
                            String currency, boolean replayed) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Stats(long totalUsers, long activeJobs, long completedJobsToday, double totalStorageGb,
                        double averageProcessingTimeMinutes, long queuedJobs) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UserView(String userId, String email, String fullName, String tier, String role, long credits,
                           String createdAt) {
        static UserView of(StudioUser u) {
            return new UserView(u.getUserId(), u.getEmail(), u.getFullName(), u.getTier(), u.getRole(), u.getCredits(),
                    Users.iso(u.getCreatedAt()));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UserPage(List<UserView> data, long total, int limit, int offset, boolean hasMore) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TierBody(@Required String tier) {}

    private static StudioClient studio(FramegridClient client, RequestHeaders headers) {
        return client.withBearerToken(Credentials.bearer(headers)).product(StudioClient.class);
    }

    @Description("Studio (B) credits, on the studio port; bearer token; per-tier requests per minute")
    public static final class Credits {
        private final FramegridClient client;

        Credits(FramegridClient client) {
            this.client = client;
        }

        @Get("/api/v1/users/credits")
        @Description("Balance, tier, credits per minute of video (1 per started second), next monthly refill")
        public CompletableFuture<Balance> credits(RequestHeaders headers) {
            return studio(client, headers).creditsAsync().thenApply(b -> new Balance(b.getCredits(), b.getTier(),
                    b.getCreditsPerMinute(), Users.iso(b.getNextRefillAt()), b.getRefillTo()));
        }

        @Post("/api/v1/users/purchase-credits")
        @Description("Buys a credit package through the payment provider; the same Idempotency-Key charges once; "
                + "an unknown package is 422")
        public CompletableFuture<Purchased> purchase(RequestHeaders headers, @RequestObject PurchaseBody body) {
            String p = body.pkg();
            if (p == null || p.isBlank()) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD", "Field 'package' is required",
                        Map.of("field", "package"));
            }
            String m = body.paymentMethod();
            String key = headers.get("idempotency-key", "").trim();
            if (key.length() > MAX_KEY_LENGTH) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_IDEMPOTENCY_KEY",
                        "Idempotency-Key must be at most " + MAX_KEY_LENGTH + " characters");
            }
            return studio(client, headers).purchaseAsync(p, m, key).thenApply(r -> new Purchased(r.getTransactionId(),
                    r.getCreditsAdded(), r.getNewBalance(), r.getAmountMinor() / 100.0, r.getCurrency(), r.getReplayed()));
        }
    }

    @Description("Studio (B) administration, on the studio port; admin bearer token (403 otherwise)")
    public static final class Admin {
        private final FramegridClient client;

        Admin(FramegridClient client) {
            this.client = client;
        }

        @Get("/api/v1/admin/stats")
        @Description("Users, active (processing) jobs, jobs completed today (UTC), stored GB, mean processing minutes")
        public CompletableFuture<Stats> stats(RequestHeaders headers) {
            return studio(client, headers).statsAsync().thenApply(s -> new Stats(s.getTotalUsers(), s.getActiveJobs(),
                    s.getCompletedJobsToday(), s.getTotalStorageGb(), s.getAverageProcessingTimeMinutes(),
                    s.getQueuedJobs()));
        }

        @Get("/api/v1/admin/users")
        @Description("Every user with tier and balance, oldest first; limit 1..100 (default 20), offset")
        public CompletableFuture<UserPage> users(RequestHeaders headers, @Param("limit") @Nullable String limit,
                                                 @Param("offset") @Nullable String offset) {
            int l = StudioJobRoutes.intParam("limit", limit, 20, 1, 100);
            int o = StudioJobRoutes.intParam("offset", offset, 0, 0, Integer.MAX_VALUE);
            return studio(client, headers).usersAsync(l, o).thenApply(page -> new UserPage(
                    page.getUsersList().stream().map(UserView::of).toList(), page.getTotal(), l, o, page.getHasMore()));
        }

        @Put("/api/v1/admin/users/{user_id}/tier")
        @Description("Sets a user's tier (free, pro, enterprise); 422 for another value, 404 for an unknown user")
        public CompletableFuture<UserView> setTier(RequestHeaders headers, @Param("user_id") String userId,
                                                   @RequestObject TierBody body) {
            return studio(client, headers).setTierAsync(userId, body.tier()).thenApply(UserView::of);
        }
    }
}
