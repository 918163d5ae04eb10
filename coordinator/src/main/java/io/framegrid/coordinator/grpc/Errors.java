package io.framegrid.coordinator.grpc;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.framegrid.fabric.FabricException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Builds gRPC errors that carry a machine-readable reason in a standard {@code google.rpc.ErrorInfo}
 * detail, so every REST surface can render its own error format from one status.
 */
public final class Errors {
    public static final String DOMAIN = "framegrid.io";

    private Errors() {}

    public static StatusRuntimeException of(Status.Code code, String reason, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(Code.forNumber(code.value()).getNumber())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(reason).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    public static StatusRuntimeException invalid(String reason, String message) {
        return of(Status.Code.INVALID_ARGUMENT, reason, message);
    }

    public static StatusRuntimeException unauthenticated(String reason, String message) {
        return of(Status.Code.UNAUTHENTICATED, reason, message);
    }

    public static StatusRuntimeException forbidden(String message) {
        return of(Status.Code.PERMISSION_DENIED, "FORBIDDEN", message);
    }

    public static StatusRuntimeException notFound(String reason, String message) {
        return of(Status.Code.NOT_FOUND, reason, message);
    }

    public static StatusRuntimeException conflict(String reason, String message) {
        return of(Status.Code.ALREADY_EXISTS, reason, message);
    }

    /** The status a fabric refusal becomes at the service edge. */
    public static StatusRuntimeException from(FabricException e) {
        Status.Code code = switch (e.kind()) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
        };
        return of(code, e.reason(), e.getMessage());
    }

    /**
     * {@code t} as the status the caller sees: fabric refusals mapped with their reason, statuses passed on,
     * anything else INTERNAL (an unmapped exception would reach the caller as UNKNOWN, without a reason).
     */
    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof FabricException f) {
            return from(f);
        }
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        return of(Status.Code.INTERNAL, "INTERNAL", "Internal error: " + t.getMessage());
    }
}
