package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** The service edge of E's RPCs: the signed-in caller, and refusals turned into statuses with their reason. */
final class Calls {
    private Calls() {
    }

    static Principal caller() {
        Principal p = Principal.current();
        if (p == null) {
            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
        }
        return p;
    }

    static <T> void answer(StreamObserver<T> response, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
