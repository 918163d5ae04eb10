package io.framegrid.gpunode.inference;

/** A detection request the engine cannot serve, with the reason the gRPC layer maps to a status. */
public final class InferenceException extends RuntimeException {

    /** Why the request failed; CLOSED: the engine (the node) is shutting down. */
    public enum Reason { UNKNOWN_MODEL, INACTIVE_MODEL, BAD_INPUT, OVERLOADED, MODEL_FAILED, CLOSED }

    private final Reason reason;

    public InferenceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public InferenceException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
