package io.framegrid.sdk.inference;

import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.inference.v1.ListModelsRequest;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Non-blocking detection; futures fail with {@link FramegridException}. */
public final class InferenceAsyncClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public InferenceAsyncClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public CompletableFuture<DetectResponse> detect(DetectRequest request) {
        CompletableFuture<DetectResponse> result = new CompletableFuture<>();
        stub(true).detect(request, new StreamObserver<>() {
            @Override
            public void onNext(DetectResponse value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(FramegridException.from(
                        new IllegalStateException("Detect completed without a response")));
            }
        });
        return result;
    }

    public CompletableFuture<List<ModelInfo>> listModels() {
        CompletableFuture<List<ModelInfo>> result = new CompletableFuture<>();
        stub(true).listModels(ListModelsRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(io.framegrid.proto.inference.v1.ListModelsResponse value) {
                result.complete(value.getModelsList());
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                result.complete(List.of());
            }
        });
        return result;
    }

    /**
     * Opens a detection stream (no deadline: streams are long-lived): frames sent on the returned
     * {@link DetectionStream} are answered in order through {@code onResponse}.
     */
    public DetectionStream openStream(Consumer<DetectResponse> onResponse) {
        return new DetectionStream(stub(false), onResponse);
    }

    private InferenceServiceGrpc.InferenceServiceStub stub(boolean withDeadline) {
        return CallSupport.prepare(InferenceServiceGrpc.newStub(channel), credentials, withDeadline ? deadline : null);
    }
}
