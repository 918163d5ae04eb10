package io.framegrid.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * A failed Framegrid call: the gRPC status code, the server's human-readable message and its
 * machine-readable reason (from the {@code google.rpc.ErrorInfo} detail, e.g. {@code EMAIL_TAKEN}).
 */
public final class FramegridException extends RuntimeException {
    private final Status.Code code;
    private final String reason;

    public FramegridException(Status.Code code, String reason, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.reason = reason;
    }

    public static FramegridException from(Throwable t) {
        if (t instanceof FramegridException fe) {
            return fe;
        }
        Throwable cause = t;
        while (cause != null && !(cause instanceof StatusRuntimeException)
                && !(cause instanceof io.grpc.StatusException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            return new FramegridException(Status.Code.UNKNOWN, "UNKNOWN", String.valueOf(t.getMessage()), t);
        }
        Status status = Status.fromThrowable(cause);
        String reason = status.getCode().name();
        com.google.rpc.Status details = StatusProto.fromThrowable(cause);
        if (details != null) {
            for (Any any : details.getDetailsList()) {
                if (any.is(ErrorInfo.class)) {
                    try {
                        reason = any.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        // Keep the status name as the reason.
                    }
                }
            }
        }
        String message = status.getDescription() != null ? status.getDescription() : status.getCode().name();
        return new FramegridException(status.getCode(), reason, message, cause);
    }

    public Status.Code code() {
        return code;
    }

    /** Machine-readable reason, stable across releases. */
    public String reason() {
        return reason;
    }
}
