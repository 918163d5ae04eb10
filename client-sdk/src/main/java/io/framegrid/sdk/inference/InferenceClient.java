package io.framegrid.sdk.inference;

import com.google.protobuf.ByteString;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.Image;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.inference.v1.ListModelsRequest;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;

/**
 * Blocking object detection through the coordinator, which routes each request to a gpu-node holding the
 * model; failures throw {@link FramegridException} (NOT_FOUND unknown model, UNAVAILABLE no node holds it).
 */
public final class InferenceClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public InferenceClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public DetectResponse detect(DetectRequest request) {
        try {
            return stub().detect(request);
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }

    /** Detects with {@code modelId} in an encoded image (JPEG, PNG, ...) at the model's default threshold. */
    public DetectResponse detect(String modelId, byte[] encodedImage) {
        return detect(DetectRequest.newBuilder().setModelId(modelId)
                .setImage(Image.newBuilder().setEncoded(ByteString.copyFrom(encodedImage))).build());
    }

    /** Every model the cluster's live gpu-nodes serve, one entry per id. */
    public List<ModelInfo> listModels() {
        try {
            return stub().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }

    private InferenceServiceGrpc.InferenceServiceBlockingStub stub() {
        return CallSupport.prepare(InferenceServiceGrpc.newBlockingStub(channel), credentials, deadline);
    }
}
