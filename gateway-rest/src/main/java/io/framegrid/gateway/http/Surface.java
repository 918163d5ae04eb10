package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpStatus;
import io.grpc.Status;

/**
 * One REST surface's conventions: its name (for metrics), error format, and which HTTP status a
 * gRPC failure becomes there, following what each spec documents. Each {@link GatewaySurface} defines its own.
 */
public record Surface(String name, ErrorFormat errors, HttpStatus validationStatus, HttpStatus conflictStatus) {
    /**
     * Surface C's conventions, kept here while {@code ReframerJobRoutes} names them; every other surface defines its
     * own in its {@link GatewaySurface} plug-in.
     */

    public HttpStatus httpStatus(Status.Code code) {
        switch (code) {
            case INVALID_ARGUMENT: case OUT_OF_RANGE: return validationStatus;
            case FAILED_PRECONDITION: return HttpStatus.BAD_REQUEST;
            case ALREADY_EXISTS: return conflictStatus;
            case UNAUTHENTICATED: return HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED: return HttpStatus.FORBIDDEN;
            case NOT_FOUND: return HttpStatus.NOT_FOUND;
            case RESOURCE_EXHAUSTED: return HttpStatus.TOO_MANY_REQUESTS;
            case UNAVAILABLE: case DEADLINE_EXCEEDED: return HttpStatus.SERVICE_UNAVAILABLE;
            default: return HttpStatus.INTERNAL_SERVER_ERROR;
        }
    }
}
