package io.framegrid.sdk.identity;

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
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Function;

/** Blocking identity calls; failures throw {@link FramegridException}. */
public final class IdentityClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public IdentityClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public User register(RegisterRequest request) {
        return call(s -> s.register(request));
    }

    public ApiKeyRegistration registerApiKeyUser(String email) {
        return call(s -> s.registerApiKeyUser(RegisterApiKeyUserRequest.newBuilder().setEmail(email).build()));
    }

    public TokenPair login(String login, String password) {
        return call(s -> s.login(LoginRequest.newBuilder().setLogin(login).setPassword(password).build()));
    }

    public TokenPair refresh(String refreshToken) {
        return call(s -> s.refresh(RefreshRequest.newBuilder().setRefreshToken(refreshToken).build()));
    }

    public User currentUser() {
        return call(s -> s.getCurrentUser(GetCurrentUserRequest.getDefaultInstance()));
    }

    public User user(String userId) {
        return call(s -> s.getUser(GetUserRequest.newBuilder().setUserId(userId).build()));
    }

    public User update(UpdateUserRequest request) {
        return call(s -> s.updateUser(request));
    }

    /**
     * Counts one request of the caller against {@code limit} per {@code window} in {@code bucket}, cluster-wide
     * (the coordinator is the authority; every gateway shares the count).
     */
    public QuotaDecision consumeQuota(String bucket, Duration window, long limit) {
        return call(s -> s.consumeQuota(ConsumeQuotaRequest.newBuilder().setBucket(bucket)
                .setWindowSeconds(window.toSeconds()).setLimit(limit).build()));
    }

    /** Leases one of the caller's {@code limit} concurrent permits for {@code ttl}; renew it before it lapses. */
    public PermitLease acquirePermit(String bucket, int limit, Duration ttl) {
        return call(s -> s.acquirePermit(AcquirePermitRequest.newBuilder().setBucket(bucket).setLimit(limit)
                .setTtlMs(ttl.toMillis()).build()));
    }

    public PermitLease renewPermit(String bucket, String leaseId, Duration ttl) {
        return call(s -> s.renewPermit(RenewPermitRequest.newBuilder().setBucket(bucket).setLeaseId(leaseId)
                .setTtlMs(ttl.toMillis()).build()));
    }

    public boolean releasePermit(String bucket, String leaseId) {
        return call(s -> s.releasePermit(ReleasePermitRequest.newBuilder().setBucket(bucket).setLeaseId(leaseId)
                .build())).getReleased();
    }

    private <T> T call(Function<IdentityServiceGrpc.IdentityServiceBlockingStub, T> body) {
        IdentityServiceGrpc.IdentityServiceBlockingStub stub =
                CallSupport.prepare(IdentityServiceGrpc.newBlockingStub(channel), credentials, deadline);
        try {
            return body.apply(stub);
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }
}
