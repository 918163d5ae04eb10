package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.detection.v1.DetectionSettingsServiceGrpc;
import io.framegrid.proto.detection.v1.GetSettingsRequest;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.grpc.stub.StreamObserver;

/** Product E's settings RPCs over {@link DetectionSettingsStore}: every caller reads and changes only their own. */
final class DetectionSettingsGrpcService extends DetectionSettingsServiceGrpc.DetectionSettingsServiceImplBase {
    private final DetectionSettingsStore store;

    DetectionSettingsGrpcService(DetectionSettingsStore store) {
        this.store = store;
    }

    /** The caller's settings, the defaults until they change any. */
    @Override
    public void getSettings(GetSettingsRequest request, StreamObserver<DetectionSettings> response) {
        Calls.answer(response, () -> store.get(Calls.caller().userId()));
    }

    /** Changes the fields the update sets, atomically; refuses an empty update and a threshold outside 0..1. */
    @Override
    public void updateSettings(SettingsUpdate request, StreamObserver<DetectionSettings> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            if (!request.hasConfidenceThreshold() && !request.hasUseGpu() && !request.hasEnableMultiThreading()
                    && !request.hasModelId()) {
                throw Errors.invalid("INVALID_SETTINGS", "The update names no setting");
            }
            try {
                return store.update(caller.userId(), request);
            } catch (IllegalArgumentException e) {
                throw Errors.invalid("INVALID_SETTINGS", e.getMessage());
            }
        });
    }
}
