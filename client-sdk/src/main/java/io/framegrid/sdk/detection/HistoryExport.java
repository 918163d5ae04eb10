package io.framegrid.sdk.detection;

import io.framegrid.proto.detection.v1.DetectionHistoryServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.DetectionRecords;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.sdk.FramegridException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;

/**
 * One {@code ExportHistory} call with manual flow control: nothing arrives until {@link #request} asks for it, and
 * never more pages than asked, so the consumer (e.g. an HTTP response being written) sets the pace.
 */
public final class HistoryExport implements AutoCloseable {
    /** Where the records go; called on a gRPC thread, one call at a time. */
    public interface Sink {
        /** The next records, newest first (one page of the grid read). */
        void onRecords(List<DetectionRecord> records);

        /** The export ended: {@code error} null when every record was delivered, else a {@link FramegridException}. */
        void onEnd(FramegridException error);
    }

    private volatile ClientCallStreamObserver<HistoryRequest> call;

    HistoryExport(DetectionHistoryServiceGrpc.DetectionHistoryServiceStub stub, HistoryRequest request, Sink sink) {
        stub.exportHistory(request, new ClientResponseObserver<HistoryRequest, DetectionRecords>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<HistoryRequest> stream) {
                call = stream;
                stream.disableAutoRequestWithInitial(0);
            }

            @Override
            public void onNext(DetectionRecords value) {
                sink.onRecords(value.getRecordsList());
            }

            @Override
            public void onError(Throwable t) {
                sink.onEnd(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                sink.onEnd(null);
            }
        });
    }

    /** Asks for {@code n} more pages of records. */
    public void request(int n) {
        call.request(n);
    }

    /** Cancels the export (the consumer went away). */
    @Override
    public void close() {
        call.cancel("export abandoned by the client", null);
    }
}
