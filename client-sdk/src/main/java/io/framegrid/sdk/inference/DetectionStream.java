package io.framegrid.sdk.inference;

import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.sdk.FramegridException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One {@code DetectStream} call: {@link #send} frames, then {@link #complete()}; responses arrive in frame
 * order on the consumer. {@link #done()} completes when the server has answered every frame, or fails with
 * {@link FramegridException} (the first failing frame ends the stream).
 */
public final class DetectionStream implements AutoCloseable {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private ClientCallStreamObserver<DetectRequest> requests;

    DetectionStream(InferenceServiceGrpc.InferenceServiceStub stub, Consumer<DetectResponse> onResponse) {
        stub.detectStream(new ClientResponseObserver<DetectRequest, DetectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<DetectRequest> stream) {
                requests = stream;
            }

            @Override
            public void onNext(DetectResponse value) {
                onResponse.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
    }

    /** Sends one frame; gRPC buffers it if the transport is busy. */
    public synchronized DetectionStream send(DetectRequest frame) {
        if (!done.isDone()) {
            requests.onNext(frame);
        }
        return this;
    }

    /** No more frames; {@link #done()} completes once the remaining answers have arrived. */
    public synchronized CompletableFuture<Void> complete() {
        if (!done.isDone()) {
            requests.onCompleted();
        }
        return done;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    /** Cancels the stream if it is still open. */
    @Override
    public synchronized void close() {
        if (!done.isDone()) {
            requests.cancel("closed by the client", null);
        }
    }
}
