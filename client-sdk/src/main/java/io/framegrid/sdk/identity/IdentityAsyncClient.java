package io.framegrid.sdk.identity;

import com.google.common.util.concurrent.ListenableFuture;
import io.framegrid.proto.identity.v1.AcquirePermitRequest;
import io.framegrid.proto.identity.v1.ApiKeyRegistration;
import io.framegrid.proto.identity.v1.ConsumeQuotaRequest;
import io.framegrid.proto.identity.v1.PermitLease;
import io.framegrid.proto.identity.v1.QuotaDecision;
import io.framegrid.proto.identity.v1.ReleasePermitRequest;
import io.framegrid.proto.identity.v1.RenewPermitRequest;
import io.framegrid.proto.identity.v1.GetCurrentUserRequest;
import io.framegrid.proto.identity.v1.GetUserRequest;
import io.framegrid.proto.identity.v1.IdentityServiceGrpc;
import io.framegrid.proto.identity.v1.LoginRequest;
import io.framegrid.proto.identity.v1.RefreshRequest;
import io.framegrid.proto.identity.v1.RegisterApiKeyUserRequest;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.TokenPair;
import io.framegrid.proto.identity.v1.UpdateUserRequest;
import io.framegrid.proto.identity.v1.User;
import io.framegrid.sdk.CallSupport;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Non-blocking identity calls; futures fail with {@link FramegridException}. Safe to call from event loops. */
public final class IdentityAsyncClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public IdentityAsyncClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public CompletableFuture<User> register(RegisterRequest request) {
        return call(s -> s.register(request));
    }

    public CompletableFuture<ApiKeyRegistration> registerApiKeyUser(String email) {
        return call(s -> s.registerApiKeyUser(RegisterApiKeyUserRequest.newBuilder().setEmail(email).build()));
    }

    public CompletableFuture<TokenPair> login(String login, String password) {
        return call(s -> s.login(LoginRequest.newBuilder().setLogin(login).setPassword(password).build()));
    }

    public CompletableFuture<TokenPair> refresh(String refreshToken) {
        return call(s -> s.refresh(RefreshRequest.newBuilder().setRefreshToken(refreshToken).build()));
    }

    public CompletableFuture<User> currentUser() {
        return call(s -> s.getCurrentUser(GetCurrentUserRequest.getDefaultInstance()));
    }

    public CompletableFuture<User> user(String userId) {
        return call(s -> s.getUser(GetUserRequest.newBuilder().setUserId(userId).build()));
    }

    public CompletableFuture<User> update(UpdateUserRequest request) {
        return call(s -> s.updateUser(request));
    }

    /**
     * Counts one request of the caller against {@code limit} per {@code window} in {@code bucket}, cluster-wide
     * (the coordinator is the authority; every gateway shares the count).
     */
    public CompletableFuture<QuotaDecision> consumeQuota(String bucket, Duration window, long limit) {
        return call(s -> s.consumeQuota(ConsumeQuotaRequest.newBuilder().setBucket(bucket)
                .setWindowSeconds(window.toSeconds()).setLimit(limit).build()));
    }

    /** Leases one of the caller's {@code limit} concurrent permits for {@code ttl}; renew it before it lapses. */
    public CompletableFuture<PermitLease> acquirePermit(String bucket, int limit, Duration ttl) {
        return call(s -> s.acquirePermit(AcquirePermitRequest.newBuilder().setBucket(bucket).setLimit(limit)
                .setTtlMs(ttl.toMillis()).build()));
    }

    public CompletableFuture<PermitLease> renewPermit(String bucket, String leaseId, Duration ttl) {
        return call(s -> s.renewPermit(RenewPermitRequest.newBuilder().setBucket(bucket).setLeaseId(leaseId)
                .setTtlMs(ttl.toMillis()).build()));
    }

    public CompletableFuture<Boolean> releasePermit(String bucket, String leaseId) {
        return call(s -> s.releasePermit(ReleasePermitRequest.newBuilder().setBucket(bucket).setLeaseId(leaseId)
                .build())).thenApply(r -> r.getReleased());
    }

    private <T> CompletableFuture<T> call(
            Function<IdentityServiceGrpc.IdentityServiceFutureStub, ListenableFuture<T>> body) {
        return CallSupport.toCompletable(body.apply(
                CallSupport.prepare(IdentityServiceGrpc.newFutureStub(channel), credentials, deadline)));
    }
}
