package io.framegrid.sdk.detection;

import io.framegrid.proto.detection.v1.DetectionHistoryServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.sdk.FramegridException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One {@code ExportHistory} call with manual flow control: nothing arrives until {@link #request} asks for it, and
 * never more than asked, so the consumer (e.g. an HTTP response being written) sets the pace.
 */
public final class HistoryExport implements AutoCloseable {
    /** Where the records go; called on a gRPC thread, one call at a time. */
    public interface Sink {
        void onRecord(DetectionRecord record);

        /** The export ended: {@code error} null when every record was delivered, else a {@link FramegridException}. */
        void onEnd(FramegridException error);
    }

    private volatile ClientCallStreamObserver<HistoryRequest> call;

    HistoryExport(DetectionHistoryServiceGrpc.DetectionHistoryServiceStub stub, HistoryRequest request, Sink sink) {
        stub.exportHistory(request, new ClientResponseObserver<HistoryRequest, DetectionRecord>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<HistoryRequest> stream) {
                call = stream;
                stream.disableAutoRequestWithInitial(0);
            }

            @Override
            public void onNext(DetectionRecord value) {
                sink.onRecord(value);
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

    /** Asks for {@code n} more records. */
    public void request(int n) {
        call.request(n);
    }

    /** Cancels the export (the consumer went away). */
    @Override
    public void close() {
        call.cancel("export abandoned by the client", null);
    }
}
