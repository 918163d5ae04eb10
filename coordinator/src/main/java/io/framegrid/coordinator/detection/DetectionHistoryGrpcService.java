package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.detection.v1.DetectionHistoryServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.DetectionRecords;
import io.framegrid.proto.detection.v1.HistoryPage;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.List;

/** Product E's history RPCs over {@link DetectionHistory}: every caller sees only their own detections. */
final class DetectionHistoryGrpcService extends DetectionHistoryServiceGrpc.DetectionHistoryServiceImplBase {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 500;

    private final DetectionHistory history;

    DetectionHistoryGrpcService(DetectionHistory history) {
        this.history = history;
    }

    /** One page of the caller's detections in the range, newest first, with the range's total. */
    @Override
    public void listHistory(HistoryRequest request, StreamObserver<HistoryPage> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            checkRange(request);
            int limit = request.getLimit() == 0 ? DEFAULT_LIMIT : request.getLimit();
            if (limit < 1 || limit > MAX_LIMIT || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PARAMETER", "limit must be 1.." + MAX_LIMIT + " and offset >= 0");
            }
            return history.page(caller.userId(), request.getFromMs(), request.getUntilMs(), limit,
                    request.getOffset());
        });
    }

    /**
     * Every record of the caller in the range, newest first, a grid page per message; sent only while the caller's stream is ready, so a slow
     * reader holds back the grid reads instead of filling memory.
     */
    @Override
    public void exportHistory(HistoryRequest request, StreamObserver<DetectionRecords> response) {
        Iterator<List<DetectionRecord>> records;
        try {
            Principal caller = Calls.caller();
            checkRange(request);
            records = history.export(caller.userId(), request.getFromMs(), request.getUntilMs());
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<DetectionRecords> call = (ServerCallStreamObserver<DetectionRecords>) response;
        Object lock = new Object();
        boolean[] finished = {false};
        Runnable drain = () -> {
            synchronized (lock) {
                try {
                    while (!finished[0] && !call.isCancelled() && call.isReady() && records.hasNext()) {
                        call.onNext(DetectionRecords.newBuilder().addAllRecords(records.next()).build());
                    }
                    if (!finished[0] && !call.isCancelled() && !records.hasNext()) {
                        finished[0] = true;
                        call.onCompleted();
                    }
                } catch (RuntimeException e) {
                    if (!finished[0]) {
                        finished[0] = true;
                        call.onError(Errors.toStatus(e));
                    }
                }
            }
        };
        call.setOnCancelHandler(() -> {
            synchronized (lock) {
                finished[0] = true;
            }
        });
        call.setOnReadyHandler(drain);
        drain.run();
    }

    private static void checkRange(HistoryRequest request) {
        if (request.getFromMs() < 0 || request.getUntilMs() < 0
                || request.getUntilMs() > 0 && request.getFromMs() >= request.getUntilMs()) {
            throw Errors.invalid("INVALID_DATE_RANGE", "The start of the range must be before its end");
        }
    }
}
