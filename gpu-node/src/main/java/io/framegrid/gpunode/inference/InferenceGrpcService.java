package io.framegrid.gpunode.inference;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.framegrid.gpunode.models.ModelManifest;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.proto.inference.v1.BoundingBox;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.Image;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.inference.v1.ListModelsRequest;
import io.framegrid.proto.inference.v1.ListModelsResponse;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.proto.inference.v1.RawImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** The gpu-node's {@code framegrid.inference.v1.InferenceService}: detection over the engine's batchers. */
public final class InferenceGrpcService extends InferenceServiceGrpc.InferenceServiceImplBase {

    private final InferenceEngine engine;
    private final Supplier<String> nodeId;

    /**
     * @param engine the node's inference engine (owns the registry, detectors and batchers)
     * @param nodeId this node's grid id, reported by ListModels so the coordinator can route by model (read per
     *     call: a client node that rejoins the grid gets a new id)
     */
    public InferenceGrpcService(InferenceEngine engine, Supplier<String> nodeId) {
        this.engine = engine;
        this.nodeId = nodeId;
    }

    /** Detect objects in one image with the chosen model. */
    @Override
    public void detect(DetectRequest request, StreamObserver<DetectResponse> responses) {
        try {
            run(request).whenComplete((response, error) -> {
                if (error != null) {
                    responses.onError(toStatus(error));
                } else {
                    responses.onNext(response);
                    responses.onCompleted();
                }
            });
        } catch (RuntimeException e) {
            responses.onError(toStatus(e));
        }
    }

    /** Detect objects in a stream of frames; one response per request frame, in order. */
    @Override
    public StreamObserver<DetectRequest> detectStream(StreamObserver<DetectResponse> responses) {
        ServerCallStreamObserver<DetectResponse> out = (ServerCallStreamObserver<DetectResponse>) responses;
        return new StreamObserver<>() {
            // Frames are submitted as they arrive (so they can share batches) but answered in arrival order.
            private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
            private boolean failed;

            @Override
            public synchronized void onNext(DetectRequest request) {
                if (failed) {
                    return;
                }
                CompletableFuture<DetectResponse> result;
                try {
                    result = run(request);
                } catch (RuntimeException e) {
                    result = CompletableFuture.failedFuture(e);
                }
                CompletableFuture<DetectResponse> current = result;
                tail = tail.thenCompose(ignored -> current.handle((response, error) -> {
                    synchronized (this) {
                        if (failed) {
                            return null;
                        }
                        if (error != null) {
                            failed = true;
                            out.onError(toStatus(error));
                        } else if (!out.isCancelled()) {
                            out.onNext(response);
                        }
                    }
                    return null;
                }));
            }

            @Override
            public synchronized void onError(Throwable t) {
                failed = true;
            }

            @Override
            public synchronized void onCompleted() {
                tail.whenComplete((ignored, error) -> {
                    synchronized (this) {
                        if (!failed) {
                            out.onCompleted();
                        }
                    }
                });
            }
        };
    }

    /** List the models this node holds, with their activation state. */
    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> responses) {
        ModelRegistry registry = engine.registry();
        ListModelsResponse.Builder builder = ListModelsResponse.newBuilder().setNodeId(nodeId.get());
        for (ModelManifest m : registry.list()) {
            builder.addModels(ModelInfo.newBuilder()
                    .setId(m.id()).setName(m.name()).setDescription(m.description()).setVersion(m.version())
                    .setTask(m.task()).setInputSpec(m.inputSpec()).addAllClassNames(m.classNames())
                    .setSha256(m.sha256()).setLicence(m.licence()).setActive(registry.isActive(m.id()))
                    .setBuiltin(m.builtin()));
        }
        responses.onNext(builder.build());
        responses.onCompleted();
    }

    private CompletableFuture<DetectResponse> run(DetectRequest request) {
        Mat image = decodeImage(request.getImage());
        CompletableFuture<DetectionResult> detected;
        try {
            detected = engine.detect(request.getModelId(), image, request.getConfidenceThreshold(),
                    new HashSet<>(request.getClassesList()));
        } catch (RuntimeException e) {
            image.close();
            throw e;
        }
        // The decoded pixels are native memory: freed as soon as the detector is done with them, not at some GC.
        return detected.whenComplete((result, error) -> image.close()).thenApply(result -> {
                    DetectResponse.Builder b = DetectResponse.newBuilder()
                            .setModelId(result.modelId()).setFrameId(request.getFrameId())
                            .setImageWidth(result.imageWidth()).setImageHeight(result.imageHeight())
                            .setQueueMs(result.queueNanos() / 1e6).setInferenceMs(result.runNanos() / 1e6)
                            .setBatchSize(result.batchSize());
                    for (Detection d : result.detections()) {
                        b.addDetections(io.framegrid.proto.inference.v1.Detection.newBuilder()
                                .setClassName(d.className()).setClassId(d.classId()).setConfidence(d.confidence())
                                .setBox(BoundingBox.newBuilder().setX(d.x()).setY(d.y())
                                        .setWidth(d.width()).setHeight(d.height())));
                    }
                    return b.build();
                });
    }

    static Mat decodeImage(Image image) {
        switch (image.getDataCase()) {
            case ENCODED -> {
                byte[] bytes = image.getEncoded().toByteArray();
                if (bytes.length == 0) {
                    throw new InferenceException(InferenceException.Reason.BAD_INPUT, "empty image");
                }
                Mat decoded;
                try (BytePointer raw = new BytePointer(bytes); Mat encoded = new Mat(raw)) {
                    decoded = imdecode(encoded, IMREAD_COLOR);
                }
                if (decoded == null || decoded.empty()) {
                    if (decoded != null) {
                        decoded.close();
                    }
                    throw new InferenceException(InferenceException.Reason.BAD_INPUT,
                            "image bytes are not a format OpenCV decodes (JPEG, PNG, BMP, WebP, TIFF)");
                }
                return decoded;
            }
            case RAW -> {
                RawImage raw = image.getRaw();
                long expected = 3L * raw.getWidth() * raw.getHeight();
                if (raw.getWidth() <= 0 || raw.getHeight() <= 0 || raw.getBgr().size() != expected) {
                    throw new InferenceException(InferenceException.Reason.BAD_INPUT, "raw image of "
                            + raw.getWidth() + "x" + raw.getHeight() + " needs " + expected + " BGR bytes, got "
                            + raw.getBgr().size());
                }
                Mat mat = new Mat(raw.getHeight(), raw.getWidth(), CV_8UC3);
                mat.data().put(raw.getBgr().toByteArray());
                return mat;
            }
            default -> throw new InferenceException(InferenceException.Reason.BAD_INPUT, "request has no image");
        }
    }

    static StatusRuntimeException toStatus(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (cause instanceof InferenceException ie) {
            Status status = switch (ie.reason()) {
                case UNKNOWN_MODEL -> Status.NOT_FOUND;
                case INACTIVE_MODEL -> Status.FAILED_PRECONDITION;
                case BAD_INPUT -> Status.INVALID_ARGUMENT;
                case OVERLOADED -> Status.RESOURCE_EXHAUSTED;
                case MODEL_FAILED -> Status.INTERNAL;
                case CLOSED -> Status.UNAVAILABLE;
            };
            return status.withDescription(ie.getMessage()).withCause(ie).asRuntimeException();
        }
        return Status.INTERNAL.withDescription("detection failed: " + cause).withCause(cause).asRuntimeException();
    }
}
