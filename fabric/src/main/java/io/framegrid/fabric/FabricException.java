package io.framegrid.fabric;

/**
 * A refusal by the grid-backed fabric (jobs, media): a kind that the service edge maps to a gRPC status, a
 * machine-readable reason, and a message fit for the caller. Storage code throws it; it never carries a cause
 * from the grid, so what reaches a user is always the message written here.
 */
public final class FabricException extends RuntimeException {
    /** What went wrong, in the caller's terms; each maps to one gRPC status code at the edge. */
    public enum Kind { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED }

    private final Kind kind;
    private final String reason;

    public FabricException(Kind kind, String reason, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.reason = reason;
    }

    public static FabricException of(Kind kind, String reason, String message) {
        return new FabricException(kind, reason, message);
    }

    public static FabricException invalid(String reason, String message) {
        return new FabricException(Kind.INVALID_ARGUMENT, reason, message);
    }

    public static FabricException notFound(String reason, String message) {
        return new FabricException(Kind.NOT_FOUND, reason, message);
    }

    public Kind kind() {
        return kind;
    }

    /** Machine-readable reason, e.g. {@code JOB_NOT_FOUND}; the edge puts it into {@code google.rpc.ErrorInfo}. */
    public String reason() {
        return reason;
    }
}
