package io.framegrid.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.framegrid.fabric.FabricException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of fabric refusal becomes one status code at the edge, carrying its reason and message. */
class ErrorsTest {
    private static final Map<FabricException.Kind, Status.Code> CODES = Map.of(
            FabricException.Kind.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT,
            FabricException.Kind.NOT_FOUND, Status.Code.NOT_FOUND,
            FabricException.Kind.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS,
            FabricException.Kind.FAILED_PRECONDITION, Status.Code.FAILED_PRECONDITION,
            FabricException.Kind.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED);

    @Test
    void everyKindMapsToItsCodeWithReasonAndMessage() throws Exception {
        assertThat(CODES).containsOnlyKeys(FabricException.Kind.values());
        for (FabricException.Kind kind : FabricException.Kind.values()) {
            StatusRuntimeException e = Errors.from(FabricException.of(kind, "SOME_" + kind, "Message of " + kind));

            assertThat(e.getStatus().getCode()).as(kind.name()).isEqualTo(CODES.get(kind));
            assertThat(e.getStatus().getDescription()).isEqualTo("Message of " + kind);
            assertThat(reason(e)).isEqualTo("SOME_" + kind);
        }
    }

    @Test
    void toStatusMapsRefusalsKeepsStatusesAndHidesNothingAsUnknown() throws Exception {
        StatusRuntimeException refused = Errors.toStatus(FabricException.notFound("JOB_NOT_FOUND", "Job not found"));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(reason(refused)).isEqualTo("JOB_NOT_FOUND");

        StatusRuntimeException status = Errors.invalid("INVALID_TAIL", "tail must be >= 0");
        assertThat(Errors.toStatus(status)).isSameAs(status);

        StatusRuntimeException internal = Errors.toStatus(new IllegalStateException("Corrupt grid record"));
        assertThat(internal.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(reason(internal)).isEqualTo("INTERNAL");
        assertThat(internal.getStatus().getDescription()).contains("Corrupt grid record");
    }

    private static String reason(StatusRuntimeException e) throws Exception {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).isNotNull();
        return status.getDetails(0).unpack(ErrorInfo.class).getReason();
    }
}
