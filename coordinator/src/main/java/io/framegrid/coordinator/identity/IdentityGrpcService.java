package io.framegrid.coordinator.identity;

import com.google.protobuf.Timestamp;
import com.nimbusds.jwt.JWTClaimsSet;
import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.proto.identity.v1.AcquirePermitRequest;
import io.framegrid.proto.identity.v1.ApiKeyRegistration;
import io.framegrid.proto.identity.v1.ConsumeQuotaRequest;
import io.framegrid.proto.identity.v1.PermitLease;
import io.framegrid.proto.identity.v1.QuotaDecision;
import io.framegrid.proto.identity.v1.ReleasePermitRequest;
import io.framegrid.proto.identity.v1.ReleasePermitResponse;
import io.framegrid.proto.identity.v1.RenewPermitRequest;
import io.framegrid.proto.identity.v1.GetCurrentUserRequest;
import io.framegrid.proto.identity.v1.GetUserRequest;
import io.framegrid.proto.identity.v1.IdentityServiceGrpc;
import io.framegrid.proto.identity.v1.LoginRequest;
import io.framegrid.proto.identity.v1.RefreshRequest;
import io.framegrid.proto.identity.v1.RegisterApiKeyUserRequest;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.Role;
import io.framegrid.proto.identity.v1.Tier;
import io.framegrid.proto.identity.v1.TokenPair;
import io.framegrid.proto.identity.v1.UpdateUserRequest;
import io.framegrid.proto.identity.v1.User;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The identity RPCs; every failure is a {@link Status} whose description is safe to show to API users. */
public final class IdentityGrpcService extends IdentityServiceGrpc.IdentityServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(IdentityGrpcService.class);
    private static final java.util.regex.Pattern BUCKET = java.util.regex.Pattern.compile("[a-z0-9._-]{1,64}");

    private final UserDirectory directory;
    private final TokenService tokens;
    private final PasswordHasher hasher;
    private final Validation validation;
    private final ApiKeys apiKeys = new ApiKeys();
    private final long signupCredits;
    private final QuotaLedger quotas;

    public IdentityGrpcService(UserDirectory directory, TokenService tokens, PasswordHasher hasher,
                               int minPasswordLength, long signupCredits, QuotaLedger quotas) {
        this.quotas = quotas;
        this.directory = directory;
        this.tokens = tokens;
        this.hasher = hasher;
        this.validation = new Validation(minPasswordLength);
        this.signupCredits = signupCredits;
    }

    /** Creates a password account with tier free and the sign-up credits; ALREADY_EXISTS on a taken email or username. */
    @Override
    public void register(RegisterRequest request, StreamObserver<User> response) {
        respond(response, () -> {
            validation.email(request.getEmail());
            if (!request.getUsername().isBlank()) {
                validation.username(request.getUsername());
            }
            validation.password(request.getPassword());
            validation.fullName(request.getFullName());
            UserRecord user = directory.create(request.getEmail(), request.getUsername(), request.getFullName(),
                    hasher.hash(request.getPassword()), "user", "free", signupCredits, null);
            return toProto(user);
        });
    }

    /** Creates an email-only account and returns its API key once; only the key's hash is stored. */
    @Override
    public void registerApiKeyUser(RegisterApiKeyUserRequest request, StreamObserver<ApiKeyRegistration> response) {
        respond(response, () -> {
            validation.email(request.getEmail());
            String key = apiKeys.generate();
            UserRecord user = directory.create(request.getEmail(), "", "", "", "user", "free", signupCredits,
                    ApiKeys.hash(key));
            return ApiKeyRegistration.newBuilder().setUser(toProto(user)).setApiKey(key).build();
        });
    }

    /** Verifies the password in constant-ish time whether or not the account exists, then opens a token family. */
    @Override
    public void login(LoginRequest request, StreamObserver<TokenPair> response) {
        respond(response, () -> {
            if (request.getLogin().isBlank() || request.getPassword().isEmpty()) {
                throw Errors.invalid("MISSING_FIELD", "Login and password are required");
            }
            UserRecord user = directory.byLogin(request.getLogin()).orElse(null);
            if (user == null) {
                hasher.verifyDecoy(request.getPassword());
                throw Errors.unauthenticated("INVALID_CREDENTIALS", "Invalid credentials");
            }
            if (!hasher.verify(user.passwordHash(), request.getPassword()) || !user.active()) {
                throw Errors.unauthenticated("INVALID_CREDENTIALS", "Invalid credentials");
            }
            directory.touchLogin(user.id());
            return issuePair(user, UUID.randomUUID().toString());
        });
    }

    /** Exchanges a refresh token for a new pair exactly once; a replayed token revokes its family. */
    @Override
    public void refresh(RefreshRequest request, StreamObserver<TokenPair> response) {
        respond(response, () -> {
            if (request.getRefreshToken().isBlank()) {
                throw Errors.invalid("MISSING_FIELD", "refresh_token is required");
            }
            JWTClaimsSet claims = tokens.verify(request.getRefreshToken().trim(), TokenService.REFRESH);
            Object family = claims.getClaim(TokenService.FAMILY_CLAIM);
            RefreshTokenRecord used = directory.consumeRefresh(claims.getJWTID(), String.valueOf(family));
            UserRecord user = directory.byId(used.userId).filter(UserRecord::active)
                    .orElseThrow(() -> Errors.unauthenticated("INVALID_TOKEN", "Token user no longer exists"));
            return issuePair(user, used.familyId);
        });
    }

    /** Returns the caller; UNAUTHENTICATED without valid credentials. */
    @Override
    public void getCurrentUser(GetCurrentUserRequest request, StreamObserver<User> response) {
        respond(response, () -> toProto(directory.byId(requireCaller().userId())
                .orElseThrow(() -> Errors.unauthenticated("INVALID_TOKEN", "Token user no longer exists"))));
    }

    /** Returns a user by UUID or numeric id; PERMISSION_DENIED unless the caller is that user or an admin. */
    @Override
    public void getUser(GetUserRequest request, StreamObserver<User> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            UserRecord user = directory.byAnyId(request.getUserId())
                    .orElseThrow(() -> caller.isAdmin()
                            ? Errors.notFound("USER_NOT_FOUND", "User not found")
                            : Errors.forbidden("You may only access your own profile"));
            if (!caller.isAdmin() && !caller.userId().equals(user.id())) {
                throw Errors.forbidden("You may only access your own profile");
            }
            return toProto(user);
        });
    }

    /** Updates a profile; PERMISSION_DENIED unless self or admin, ALREADY_EXISTS when the new email/username is taken. */
    @Override
    public void updateUser(UpdateUserRequest request, StreamObserver<User> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            UserRecord target = directory.byAnyId(request.getUserId())
                    .orElseThrow(() -> caller.isAdmin()
                            ? Errors.notFound("USER_NOT_FOUND", "User not found")
                            : Errors.forbidden("You may only change your own profile"));
            if (!caller.isAdmin() && !caller.userId().equals(target.id())) {
                throw Errors.forbidden("You may only change your own profile");
            }
            if (!request.hasUsername() && !request.hasEmail() && !request.hasFullName()) {
                throw Errors.invalid("MISSING_FIELD", "Nothing to update: give username, email or full_name");
            }
            if (request.hasEmail()) {
                validation.email(request.getEmail());
            }
            if (request.hasUsername()) {
                validation.username(request.getUsername());
            }
            if (request.hasFullName()) {
                validation.fullName(request.getFullName());
            }
            return toProto(directory.update(target.id(),
                    request.hasUsername() ? request.getUsername() : null,
                    request.hasEmail() ? request.getEmail() : null,
                    request.hasFullName() ? request.getFullName() : null));
        });
    }

    // ---- cluster-wide quotas ---------------------------------------------------------------------------

    /** Counts one request of the caller in the bucket's window; the decision is the caller's to enforce. */
    @Override
    public void consumeQuota(ConsumeQuotaRequest request, StreamObserver<QuotaDecision> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            bucket(request.getBucket());
            if (request.getWindowSeconds() < 1 || request.getWindowSeconds() > 86_400) {
                throw Errors.invalid("INVALID_WINDOW", "window_seconds must be between 1 and 86400");
            }
            if (request.getLimit() < 1) {
                throw Errors.invalid("INVALID_LIMIT", "limit must be at least 1");
            }
            QuotaLedger.Decision d = quotas.consume(request.getBucket(), caller.userId(),
                    request.getWindowSeconds() * 1000, request.getLimit());
            return QuotaDecision.newBuilder().setAllowed(d.allowed()).setLimit(d.limit()).setRemaining(d.remaining())
                    .setResetEpochSeconds(d.resetEpochSeconds()).build();
        });
    }

    @Override
    public void acquirePermit(AcquirePermitRequest request, StreamObserver<PermitLease> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            bucket(request.getBucket());
            ttl(request.getTtlMs());
            if (request.getLimit() < 1) {
                throw Errors.invalid("INVALID_LIMIT", "limit must be at least 1");
            }
            String leaseId = UUID.randomUUID().toString();
            QuotaLedger.Lease lease = quotas.acquire(request.getBucket(), caller.userId(), leaseId, request.getLimit(),
                    request.getTtlMs());
            return lease(lease, lease.granted() ? leaseId : "");
        });
    }

    @Override
    public void renewPermit(RenewPermitRequest request, StreamObserver<PermitLease> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            bucket(request.getBucket());
            ttl(request.getTtlMs());
            QuotaLedger.Lease lease = quotas.renew(request.getBucket(), caller.userId(), request.getLeaseId(),
                    request.getTtlMs());
            return lease(lease, lease.granted() ? request.getLeaseId() : "");
        });
    }

    @Override
    public void releasePermit(ReleasePermitRequest request, StreamObserver<ReleasePermitResponse> response) {
        respond(response, () -> {
            Principal caller = requireCaller();
            bucket(request.getBucket());
            return ReleasePermitResponse.newBuilder()
                    .setReleased(quotas.release(request.getBucket(), caller.userId(), request.getLeaseId())).build();
        });
    }

    private static void bucket(String bucket) {
        if (!BUCKET.matcher(bucket).matches()) {
            throw Errors.invalid("INVALID_BUCKET", "bucket must be 1-64 of a-z, 0-9, '.', '_' or '-'");
        }
    }

    private static void ttl(long ttlMs) {
        if (ttlMs < 1000 || ttlMs > 3_600_000) {
            throw Errors.invalid("INVALID_TTL", "ttl_ms must be between 1000 and 3600000");
        }
    }

    private static PermitLease lease(QuotaLedger.Lease lease, String leaseId) {
        PermitLease.Builder b = PermitLease.newBuilder().setGranted(lease.granted()).setLeaseId(leaseId)
                .setInUse(lease.inUse()).setLimit(lease.limit());
        if (lease.expiresAtMillis() > 0) {
            b.setExpiresAt(timestamp(lease.expiresAtMillis()));
        }
        return b.build();
    }

    private TokenPair issuePair(UserRecord user, String familyId) {
        TokenService.IssuedRefresh refresh = tokens.issueRefresh(user.id(), familyId);
        directory.recordRefresh(refresh, user.id());
        return TokenPair.newBuilder()
                .setAccessToken(tokens.issueAccess(user.id(), user.role()))
                .setRefreshToken(refresh.token())
                .setTokenType("Bearer")
                .setExpiresIn(tokens.accessTtl().toSeconds())
                .setUserId(user.id())
                .build();
    }

    private static Principal requireCaller() {
        Principal caller = Principal.current();
        if (caller == null) {
            throw Errors.unauthenticated("MISSING_CREDENTIALS", "Authentication required");
        }
        return caller;
    }

    static User toProto(UserRecord user) {
        User.Builder b = User.newBuilder()
                .setUserId(user.id())
                .setNumericId(user.numericId())
                .setEmail(user.email())
                .setUsername(nullToEmpty(user.username()))
                .setFullName(nullToEmpty(user.fullName()))
                .setRole("admin".equals(user.role()) ? Role.ROLE_ADMIN : Role.ROLE_USER)
                .setTier(tier(user.tier()))
                .setCredits(user.credits())
                .setActive(user.active())
                .setCreatedAt(timestamp(user.createdAtMillis()));
        if (user.lastLoginMillis() > 0) {
            b.setLastLogin(timestamp(user.lastLoginMillis()));
        }
        return b.build();
    }

    private static Tier tier(String tier) {
        switch (tier) {
            case "pro": return Tier.TIER_PRO;
            case "enterprise": return Tier.TIER_ENTERPRISE;
            default: return Tier.TIER_FREE;
        }
    }

    private static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000).build();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Runs an RPC body, turning unexpected failures into INTERNAL without leaking their details. */
    private static <T> void respond(StreamObserver<T> response, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (RuntimeException e) {
            log.error("Identity RPC failed", e);
            response.onError(Status.INTERNAL.withDescription("Internal error").asRuntimeException());
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
