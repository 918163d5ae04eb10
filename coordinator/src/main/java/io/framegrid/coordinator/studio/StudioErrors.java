package io.framegrid.coordinator.studio;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.fabric.FabricException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Reasons of the studio's refusals and the statuses they become at the service edge. */
final class StudioErrors {
    /** The balance cannot cover the job: PERMISSION_DENIED (the spec's 403). */
    static final String INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS";

    private StudioErrors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof FabricException f && INSUFFICIENT_CREDITS.equals(f.reason())) {
            return Errors.of(Status.Code.PERMISSION_DENIED, f.reason(), f.getMessage());
        }
        if (t instanceof PaymentProvider.Declined d) {
            return Errors.of(Status.Code.FAILED_PRECONDITION, "PAYMENT_DECLINED", d.getMessage());
        }
        return Errors.toStatus(t);
    }
}
