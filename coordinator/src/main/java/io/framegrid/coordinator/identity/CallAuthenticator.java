package io.framegrid.coordinator.identity;

import io.framegrid.coordinator.grpc.Errors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import com.nimbusds.jwt.JWTClaimsSet;

/**
 * Turns call credentials ({@code authorization: Bearer} or {@code x-api-key}) into a {@link Principal}.
 *
 * <p>Credentials that are present but wrong fail the call at once; absent credentials leave the call
 * anonymous, and each RPC decides whether it needs a caller.
 */
public final class CallAuthenticator implements ServerInterceptor {
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private final TokenService tokens;
    private final UserDirectory directory;

    public CallAuthenticator(TokenService tokens, UserDirectory directory) {
        this.tokens = tokens;
        this.directory = directory;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Principal principal;
        try {
            principal = authenticate(headers);
        } catch (StatusRuntimeException e) {
            call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
            return new ServerCall.Listener<>() {};
        }
        if (principal == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(Principal.KEY, principal), call, headers, next);
    }

    Principal authenticate(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.length() <= 7) {
                throw Errors.unauthenticated("INVALID_TOKEN", "Authorization must be 'Bearer <token>'");
            }
            JWTClaimsSet claims = tokens.verify(authorization.substring(7).trim(), TokenService.ACCESS);
            UserRecord user = directory.byId(claims.getSubject())
                    .filter(UserRecord::active)
                    .orElseThrow(() -> Errors.unauthenticated("INVALID_TOKEN", "Token user no longer exists"));
            return new Principal(user.id(), user.role(), "token");
        }
        String apiKey = headers.get(API_KEY);
        if (apiKey != null) {
            if (!apiKey.startsWith(ApiKeys.PREFIX)) {
                throw Errors.unauthenticated("INVALID_API_KEY", "Invalid API key");
            }
            UserRecord user = directory.byApiKeyHash(ApiKeys.hash(apiKey.trim()))
                    .filter(UserRecord::active)
                    .orElseThrow(() -> Errors.unauthenticated("INVALID_API_KEY", "Invalid API key"));
            return new Principal(user.id(), user.role(), "api-key");
        }
        return null;
    }
}
