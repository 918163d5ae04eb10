package io.framegrid.sdk;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/** Attaches a bearer token or an API key to every call made through a client view. */
final class CallCredentialsSupport extends CallCredentials {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private final Metadata.Key<String> key;
    private final String value;

    private CallCredentialsSupport(Metadata.Key<String> key, String value) {
        this.key = key;
        this.value = value;
    }

    static CallCredentials bearer(String token) {
        return new CallCredentialsSupport(AUTHORIZATION, "Bearer " + token);
    }

    static CallCredentials apiKey(String apiKey) {
        return new CallCredentialsSupport(API_KEY, apiKey);
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(key, value);
        applier.apply(headers);
    }
}
