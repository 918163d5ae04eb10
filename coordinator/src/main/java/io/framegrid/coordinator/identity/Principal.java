package io.framegrid.coordinator.identity;

import io.grpc.Context;

/** The authenticated caller of the current gRPC call, attached to the call's {@link Context}. */
public record Principal(String userId, String role, String via) {
    public static final Context.Key<Principal> KEY = Context.key("framegrid-principal");

    public boolean isAdmin() {
        return "admin".equals(role);
    }

    /** The caller, or null for an anonymous call. */
    public static Principal current() {
        return KEY.get();
    }
}
