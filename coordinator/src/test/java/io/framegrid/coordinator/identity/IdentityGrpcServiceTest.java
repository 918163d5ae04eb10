package io.framegrid.coordinator.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.proto.identity.v1.ApiKeyRegistration;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.Role;
import io.framegrid.proto.identity.v1.Tier;
import io.framegrid.proto.identity.v1.TokenPair;
import io.framegrid.proto.identity.v1.UpdateUserRequest;
import io.framegrid.proto.identity.v1.User;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.identity.IdentityClient;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class IdentityGrpcServiceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private static final String PASSWORD = "Sup3rSecret";

    @AfterEach
    void resetClock() {
        cluster.clock().reset();
    }

    private static IdentityClient anonymous() {
        return cluster.client().identity();
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    private static User register(String email, String username) {
        return anonymous().register(RegisterRequest.newBuilder()
                .setEmail(email).setUsername(username).setPassword(PASSWORD).setFullName("Ada Lovelace").build());
    }

    private static FramegridException failure(Runnable call) {
        try {
            call.run();
        } catch (FramegridException e) {
            return e;
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    @Test
    void registerCreatesFreeUserWithSignupCredits() {
        String email = unique("ada") + "@example.com";
        User user = register(email, unique("ada"));
        assertThat(user.getUserId()).hasSize(36);
        assertThat(user.getNumericId()).isPositive();
        assertThat(user.getEmail()).isEqualTo(email);
        assertThat(user.getTier()).isEqualTo(Tier.TIER_FREE);
        assertThat(user.getRole()).isEqualTo(Role.ROLE_USER);
        assertThat(user.getCredits()).isEqualTo(100);
    }

    @Test
    void duplicateEmailIsRejectedCaseInsensitively() {
        String email = unique("dup") + "@example.com";
        register(email, unique("u"));
        FramegridException e = failure(() -> register(email.toUpperCase(), unique("u")));
        assertThat(e.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(e.reason()).isEqualTo("EMAIL_TAKEN");
    }

    @Test
    void duplicateUsernameIsRejected() {
        String name = unique("name");
        register(unique("a") + "@example.com", name);
        FramegridException e = failure(() -> register(unique("b") + "@example.com", name.toUpperCase()));
        assertThat(e.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(e.reason()).isEqualTo("USERNAME_TAKEN");
    }

    @Test
    void weakPasswordInvalidEmailAndBadUsernameAreInvalidArguments() {
        FramegridException weak = failure(() -> anonymous().register(RegisterRequest.newBuilder()
                .setEmail(unique("w") + "@example.com").setPassword("short").build()));
        assertThat(weak.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(weak.reason()).isEqualTo("WEAK_PASSWORD");
        FramegridException noDigit = failure(() -> anonymous().register(RegisterRequest.newBuilder()
                .setEmail(unique("w") + "@example.com").setPassword("onlyletters").build()));
        assertThat(noDigit.reason()).isEqualTo("WEAK_PASSWORD");
        FramegridException email = failure(() -> anonymous().register(RegisterRequest.newBuilder()
                .setEmail("not-an-email").setPassword(PASSWORD).build()));
        assertThat(email.reason()).isEqualTo("INVALID_EMAIL");
        assertThat(email.getMessage()).isEqualTo("Invalid email format");
        FramegridException name = failure(() -> register(unique("n") + "@example.com", "a b"));
        assertThat(name.reason()).isEqualTo("INVALID_USERNAME");
    }

    @Test
    void concurrentRegistrationsOfOneEmailLetExactlyOneWin() throws Exception {
        String email = unique("race") + "@example.com";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = unique("racer");
            attempts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    register(email, name);
                    return true;
                } catch (FramegridException e) {
                    assertThat(e.reason()).isEqualTo("EMAIL_TAKEN");
                    return false;
                }
            }, pool));
        }
        long winners = attempts.stream().map(CompletableFuture::join).filter(b -> b).count();
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
    }

    @Test
    void loginByEmailOrUsernameReturnsBearerPair() {
        String email = unique("log") + "@example.com";
        String name = unique("log");
        User user = register(email, name);
        TokenPair byEmail = anonymous().login(email, PASSWORD);
        TokenPair byName = anonymous().login(name, PASSWORD);
        assertThat(byEmail.getTokenType()).isEqualTo("Bearer");
        assertThat(byEmail.getExpiresIn()).isEqualTo(1800);
        assertThat(byEmail.getUserId()).isEqualTo(user.getUserId());
        assertThat(byName.getUserId()).isEqualTo(user.getUserId());
        User me = cluster.client().withBearerToken(byEmail.getAccessToken()).identity().currentUser();
        assertThat(me.getEmail()).isEqualTo(email);
        assertThat(me.hasLastLogin()).isTrue();
    }

    @Test
    void wrongPasswordAndUnknownUserLookTheSame() {
        String email = unique("pw") + "@example.com";
        register(email, unique("pw"));
        FramegridException wrong = failure(() -> anonymous().login(email, "Wrong1234"));
        FramegridException unknown = failure(() -> anonymous().login(unique("nobody") + "@example.com", PASSWORD));
        assertThat(wrong.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getMessage()).isEqualTo(unknown.getMessage()).isEqualTo("Invalid credentials");
    }

    @Test
    void accessTokenExpiresAfterItsLifetime() {
        String email = unique("exp") + "@example.com";
        register(email, unique("exp"));
        TokenPair pair = anonymous().login(email, PASSWORD);
        IdentityClient authed = cluster.client().withBearerToken(pair.getAccessToken()).identity();
        assertThat(authed.currentUser().getEmail()).isEqualTo(email);
        cluster.clock().advance(Duration.ofMinutes(30).plusSeconds(1));
        FramegridException e = failure(authed::currentUser);
        assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.reason()).isEqualTo("TOKEN_EXPIRED");
    }

    @Test
    void tamperedTokenIsRejected() {
        String email = unique("tamper") + "@example.com";
        register(email, unique("tamper"));
        String token = anonymous().login(email, PASSWORD).getAccessToken();
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"role\":\"user\"", "\"role\":\"admin\"");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        FramegridException e = failure(() -> cluster.client().withBearerToken(forged).identity().currentUser());
        assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.getMessage()).contains("signature");
    }

    @Test
    void unsignedAlgNoneTokenIsRejected() {
        String email = unique("none") + "@example.com";
        register(email, unique("none"));
        String token = anonymous().login(email, PASSWORD).getAccessToken();
        String header = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String unsigned = header + "." + token.split("\\.")[1] + ".";
        FramegridException e = failure(() -> cluster.client().withBearerToken(unsigned).identity().currentUser());
        assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void refreshRotatesAndRefreshTokenIsNoAccessToken() {
        String email = unique("rot") + "@example.com";
        register(email, unique("rot"));
        TokenPair first = anonymous().login(email, PASSWORD);
        TokenPair second = anonymous().refresh(first.getRefreshToken());
        assertThat(second.getRefreshToken()).isNotEqualTo(first.getRefreshToken());
        assertThat(cluster.client().withBearerToken(second.getAccessToken()).identity().currentUser().getEmail())
                .isEqualTo(email);
        FramegridException asAccess = failure(() ->
                cluster.client().withBearerToken(second.getRefreshToken()).identity().currentUser());
        assertThat(asAccess.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        FramegridException asRefresh = failure(() -> anonymous().refresh(second.getAccessToken()));
        assertThat(asRefresh.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void reusedRefreshTokenRevokesTheWholeFamily() {
        String email = unique("reuse") + "@example.com";
        register(email, unique("reuse"));
        TokenPair first = anonymous().login(email, PASSWORD);
        TokenPair second = anonymous().refresh(first.getRefreshToken());
        FramegridException replay = failure(() -> anonymous().refresh(first.getRefreshToken()));
        assertThat(replay.reason()).isEqualTo("TOKEN_REUSED");
        FramegridException successor = failure(() -> anonymous().refresh(second.getRefreshToken()));
        assertThat(successor.reason()).isEqualTo("TOKEN_REVOKED");
        // A fresh login opens a new family that works.
        TokenPair again = anonymous().login(email, PASSWORD);
        assertThat(anonymous().refresh(again.getRefreshToken()).getAccessToken()).isNotEmpty();
    }

    @Test
    void expiredRefreshTokenIsRejected() {
        String email = unique("rexp") + "@example.com";
        register(email, unique("rexp"));
        TokenPair pair = anonymous().login(email, PASSWORD);
        cluster.clock().advance(Duration.ofDays(15));
        FramegridException e = failure(() -> anonymous().refresh(pair.getRefreshToken()));
        assertThat(e.reason()).isEqualTo("TOKEN_EXPIRED");
    }

    @Test
    void apiKeyAuthenticatesAndOnlyItsHashIsStored() {
        String email = unique("key") + "@example.com";
        ApiKeyRegistration reg = anonymous().registerApiKeyUser(email);
        assertThat(reg.getApiKey()).matches("vr_[0-9A-Za-z]{32}");
        User me = cluster.client().withApiKey(reg.getApiKey()).identity().currentUser();
        assertThat(me.getUserId()).isEqualTo(reg.getUser().getUserId());
        assertThat(cluster.ignite().<String, String>cache("fg_api_keys").get(reg.getApiKey())).isNull();
        assertThat(cluster.ignite().<String, String>cache("fg_api_keys").get(ApiKeys.hash(reg.getApiKey())))
                .isEqualTo(me.getUserId());
        FramegridException wrong = failure(() ->
                cluster.client().withApiKey("vr_" + "x".repeat(32)).identity().currentUser());
        assertThat(wrong.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getMessage()).isEqualTo("Invalid API key");
        FramegridException again = failure(() -> anonymous().registerApiKeyUser(email));
        assertThat(again.reason()).isEqualTo("EMAIL_TAKEN");
    }

    @Test
    void missingCredentialsAreUnauthenticated() {
        FramegridException e = failure(() -> anonymous().currentUser());
        assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.reason()).isEqualTo("MISSING_CREDENTIALS");
    }

    @Test
    void usersSeeOnlyThemselvesAndAdminsSeeEveryone() {
        User alice = register(unique("alice") + "@example.com", unique("alice"));
        User bob = register(unique("bob") + "@example.com", unique("bob"));
        IdentityClient asAlice = cluster.client()
                .withBearerToken(anonymous().login(alice.getEmail(), PASSWORD).getAccessToken()).identity();
        assertThat(asAlice.user(alice.getUserId()).getEmail()).isEqualTo(alice.getEmail());
        assertThat(asAlice.user(String.valueOf(alice.getNumericId())).getUserId()).isEqualTo(alice.getUserId());
        assertThat(failure(() -> asAlice.user(bob.getUserId())).code()).isEqualTo(Status.Code.PERMISSION_DENIED);
        IdentityClient asAdmin = cluster.client()
                .withBearerToken(anonymous().login("admin@framegrid.local", "AdminPass123").getAccessToken()).identity();
        assertThat(asAdmin.currentUser().getRole()).isEqualTo(Role.ROLE_ADMIN);
        assertThat(asAdmin.user(bob.getUserId()).getEmail()).isEqualTo(bob.getEmail());
        assertThat(failure(() -> asAdmin.user(UUID.randomUUID().toString())).code()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void updateMovesUniqueIndexesAndRejectsTakenValues() {
        User carol = register(unique("carol") + "@example.com", unique("carol"));
        User dave = register(unique("dave") + "@example.com", unique("dave"));
        IdentityClient asCarol = cluster.client()
                .withBearerToken(anonymous().login(carol.getEmail(), PASSWORD).getAccessToken()).identity();
        String newEmail = unique("carol2") + "@example.com";
        User updated = asCarol.update(UpdateUserRequest.newBuilder().setUserId(carol.getUserId())
                .setEmail(newEmail).setUsername(unique("carol2")).build());
        assertThat(updated.getEmail()).isEqualTo(newEmail);
        assertThat(anonymous().login(newEmail, PASSWORD).getUserId()).isEqualTo(carol.getUserId());
        assertThat(failure(() -> anonymous().login(carol.getEmail(), PASSWORD)).code())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(() -> asCarol.update(UpdateUserRequest.newBuilder().setUserId(carol.getUserId())
                .setEmail(dave.getEmail()).build())).reason()).isEqualTo("EMAIL_TAKEN");
        assertThat(failure(() -> asCarol.update(UpdateUserRequest.newBuilder().setUserId(dave.getUserId())
                .setFullName("Mallory").build())).code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void healthReportsServingForServerAndIdentity() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(cluster.client().channel());
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder()
                .setService("framegrid.identity.v1.IdentityService").build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void reflectionListsTheIdentityService() throws Exception {
        List<ServiceResponse> services = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(cluster.client().channel())
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override public void onNext(ServerReflectionResponse value) {
                        services.addAll(value.getListServicesResponse().getServiceList());
                    }
                    @Override public void onError(Throwable t) { done.completeExceptionally(t); }
                    @Override public void onCompleted() { done.complete(null); }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        assertThat(services).extracting(ServiceResponse::getName)
                .contains("framegrid.identity.v1.IdentityService", "grpc.health.v1.Health");
    }

    @Test
    void quotasAreCountedAtomicallyPerCallerAndPermitsLapse() throws Exception {
        IdentityClient ada = cluster.client().withApiKey(anonymous().registerApiKeyUser(unique("q") + "@example.com")
                .getApiKey()).identity();
        IdentityClient bob = cluster.client().withApiKey(anonymous().registerApiKeyUser(unique("q") + "@example.com")
                .getApiKey()).identity();
        // 40 concurrent requests against a limit of 25: exactly 25 allowed, whatever the interleaving.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(CompletableFuture.supplyAsync(() ->
                        ada.consumeQuota("test.requests", Duration.ofHours(1), 25).getAllowed(), pool));
            }
            assertThat(calls.stream().filter(CompletableFuture::join).count()).isEqualTo(25);
        } finally {
            pool.shutdownNow();
        }
        var refused = ada.consumeQuota("test.requests", Duration.ofHours(1), 25);
        assertThat(refused.getAllowed()).isFalse();
        assertThat(refused.getRemaining()).isZero();
        assertThat(refused.getResetEpochSeconds()).isGreaterThan(cluster.clock().millis() / 1000);
        assertThat(bob.consumeQuota("test.requests", Duration.ofHours(1), 25).getRemaining()).isEqualTo(24);
        // A new window opens once the old one is over.
        cluster.clock().advance(Duration.ofHours(1));
        assertThat(ada.consumeQuota("test.requests", Duration.ofHours(1), 25).getRemaining()).isEqualTo(24);

        var first = ada.acquirePermit("test.uploads", 2, Duration.ofSeconds(10));
        var second = ada.acquirePermit("test.uploads", 2, Duration.ofSeconds(10));
        assertThat(first.getGranted()).isTrue();
        assertThat(second.getInUse()).isEqualTo(2);
        assertThat(ada.acquirePermit("test.uploads", 2, Duration.ofSeconds(10)).getGranted()).isFalse();
        assertThat(bob.acquirePermit("test.uploads", 2, Duration.ofSeconds(10)).getGranted()).isTrue();
        assertThat(ada.releasePermit("test.uploads", first.getLeaseId())).isTrue();
        assertThat(ada.releasePermit("test.uploads", first.getLeaseId())).isFalse();
        // Renewed, the second outlives its first TTL; unrenewed ones lapse.
        cluster.clock().advance(Duration.ofSeconds(6));
        assertThat(ada.renewPermit("test.uploads", second.getLeaseId(), Duration.ofSeconds(10)).getGranted()).isTrue();
        var third = ada.acquirePermit("test.uploads", 2, Duration.ofSeconds(10));
        assertThat(third.getGranted()).isTrue();
        cluster.clock().advance(Duration.ofSeconds(11));
        assertThat(ada.acquirePermit("test.uploads", 2, Duration.ofSeconds(10)).getInUse()).isEqualTo(1);

        assertThat(failure(() -> anonymous().consumeQuota("test.requests", Duration.ofHours(1), 5)).code())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(() -> ada.consumeQuota("Bad Bucket", Duration.ofHours(1), 5)).reason())
                .isEqualTo("INVALID_BUCKET");
        assertThat(failure(() -> ada.acquirePermit("test.uploads", 0, Duration.ofSeconds(10))).code())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
}
