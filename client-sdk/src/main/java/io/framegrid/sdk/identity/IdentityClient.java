package io.framegrid.sdk.identity;

import io.framegrid.proto.identity.v1.ApiKeyRegistration;
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
