package io.framegrid.coordinator.inference;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.inference.v1.ListModelsRequest;
import io.framegrid.proto.inference.v1.ListModelsResponse;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's {@code framegrid.inference.v1.InferenceService}: forwards detection to a live gpu-node that
 * holds the requested model (see {@link ModelRouter}) and aggregates the models of all nodes. Callers must be
 * authenticated; gpu-nodes are reached over their advertised endpoints.
 */
public final class InferenceRoutingService extends InferenceServiceGrpc.InferenceServiceImplBase
        implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InferenceRoutingService.class);
    // Bounds ListModels when a node is alive in the grid but its gRPC server hangs.
    private static final long LIST_TIMEOUT_MS = 5_000;

    private final ModelRouter router;
    private final NodeChannels channels;

    public InferenceRoutingService(ModelRouter router, NodeChannels channels) {
        this.router = router;
        this.channels = channels;
    }

    /**
     * Detect objects in one image on a node holding the model; a node that is unreachable is skipped once in
     * favour of another. NOT_FOUND unknown model, UNAVAILABLE no live node holds it; node errors pass through.
     */
    @Override
    public void detect(DetectRequest request, StreamObserver<DetectResponse> responses) {
        if (!authenticated(responses)) {
            return;
        }
        forward(request, responses, new HashSet<>());
    }

    private void forward(DetectRequest request, StreamObserver<DetectResponse> responses, Set<String> failed) {
        ModelRouter.Route route;
        try {
            route = router.pick(request.getModelId(), failed);
        } catch (StatusRuntimeException e) {
            responses.onError(e);
            return;
        }
        InferenceServiceGrpc.newStub(channels.get(route.target())).detect(request, new StreamObserver<>() {
            private DetectResponse answer;

            @Override
            public void onNext(DetectResponse value) {
                answer = value;
            }

            @Override
            public void onError(Throwable t) {
                route.release();
                Status status = Status.fromThrowable(t);
                // UNAVAILABLE here is the transport (node gone between heartbeats), not a model error: the
                // request never ran, so another holder may serve it. One retry bounds the extra latency.
                if (status.getCode() == Status.Code.UNAVAILABLE && failed.isEmpty()) {
                    log.debug("gpu-node {} at {} unreachable, retrying elsewhere: {}", route.nodeId(),
                            route.target(), status);
                    failed.add(route.nodeId());
                    forward(request, responses, failed);
                    return;
                }
                responses.onError(nodeError(status, route));
            }

            @Override
            public void onCompleted() {
                route.release();
                responses.onNext(answer);
                responses.onCompleted();
            }
        });
    }

    /**
     * Detect objects in a stream of frames; one response per frame, in order. The stream is pinned to the node
     * chosen for its first frame's model, so later frames must use a model that node holds. Flow control is end
     * to end: the next frame is read from the caller only when the node's stream can take it, and the next
     * answer only when the caller's can, so a fast producer or a slow consumer holds no unbounded buffer here.
     */
    @Override
    public StreamObserver<DetectRequest> detectStream(StreamObserver<DetectResponse> responses) {
        if (!authenticated(responses)) {
            return new StreamObserver<>() {
                @Override public void onNext(DetectRequest value) {}
                @Override public void onError(Throwable t) {}
                @Override public void onCompleted() {}
            };
        }
        ServerCallStreamObserver<DetectResponse> out = (ServerCallStreamObserver<DetectResponse>) responses;
        StreamForwarder forwarder = new StreamForwarder(out);
        // Both must be set before this method returns (gRPC rejects them later).
        out.disableAutoRequest();
        out.setOnReadyHandler(forwarder::callerReady);
        out.setOnCancelHandler(forwarder::callerCancelled);
        out.request(1);
        return forwarder;
    }

    /** One forwarded DetectStream; every state change happens under its monitor. */
    private final class StreamForwarder implements StreamObserver<DetectRequest> {
        private final ServerCallStreamObserver<DetectResponse> out;
        private ClientCallStreamObserver<DetectRequest> upstream;
        private ModelRouter.Route route;
        private boolean done;
        private boolean frameWanted;
        private boolean answerWanted;

        StreamForwarder(ServerCallStreamObserver<DetectResponse> out) {
            this.out = out;
        }

        @Override
        public synchronized void onNext(DetectRequest request) {
            if (done) {
                return;
            }
            if (upstream == null && !open(request.getModelId())) {
                return;
            }
            upstream.onNext(request);
            if (upstream.isReady()) {
                out.request(1);
            } else {
                frameWanted = true;
            }
        }

        private boolean open(String modelId) {
            try {
                route = router.pick(modelId, Set.of());
            } catch (StatusRuntimeException e) {
                fail(e);
                return false;
            }
            ModelRouter.Route chosen = route;
            InferenceServiceGrpc.newStub(channels.get(chosen.target())).detectStream(
                    new ClientResponseObserver<DetectRequest, DetectResponse>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<DetectRequest> requests) {
                            upstream = requests;
                            requests.disableAutoRequestWithInitial(1);
                            requests.setOnReadyHandler(StreamForwarder.this::nodeReady);
                        }

                        @Override
                        public void onNext(DetectResponse value) {
                            answer(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            chosen.release();
                            fail(nodeError(Status.fromThrowable(t), chosen));
                        }

                        @Override
                        public void onCompleted() {
                            chosen.release();
                            complete();
                        }
                    });
            return true;
        }

        private synchronized void answer(DetectResponse value) {
            if (out.isCancelled()) {
                return;
            }
            out.onNext(value);
            if (out.isReady()) {
                upstream.request(1);
            } else {
                answerWanted = true;
            }
        }

        private synchronized void nodeReady() {
            if (frameWanted && !done && upstream.isReady()) {
                frameWanted = false;
                out.request(1);
            }
        }

        synchronized void callerReady() {
            if (answerWanted && upstream != null && out.isReady()) {
                answerWanted = false;
                upstream.request(1);
            }
        }

        // A caller that goes away cancels the node's stream too, so its frames stop being processed.
        synchronized void callerCancelled() {
            done = true;
            if (upstream != null) {
                upstream.cancel("caller cancelled", null);
            }
            if (route != null) {
                route.release();
            }
        }

        private synchronized void fail(StatusRuntimeException error) {
            done = true;
            if (!out.isCancelled()) {
                out.onError(error);
            }
        }

        private synchronized void complete() {
            done = true;
            if (!out.isCancelled()) {
                out.onCompleted();
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            done = true;
            if (upstream != null) {
                upstream.cancel("caller failed", t);
            }
        }

        @Override
        public synchronized void onCompleted() {
            if (done) {
                return;
            }
            if (upstream != null) {
                // Stay open for the node's remaining answers; the node completes the stream after the last.
                upstream.onCompleted();
            } else {
                complete();
            }
        }
    }

    /**
     * List the models of every live gpu-node, one entry per model id (active if any node has it active);
     * node_id is empty. Nodes that do not answer in time are left out; UNAVAILABLE if none answers.
     */
    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> responses) {
        if (!authenticated(responses)) {
            return;
        }
        List<NodeStatus> nodes = router.inferenceNodes();
        channels.retainOnly(nodes.stream().map(NodeStatus::getInferenceTarget).collect(Collectors.toSet()));
        Map<String, ModelInfo> models = new LinkedHashMap<>();
        int answered = 0;
        for (NodeStatus node : nodes) {
            try {
                ListModelsResponse r = InferenceServiceGrpc.newBlockingStub(channels.get(node.getInferenceTarget()))
                        .withDeadlineAfter(LIST_TIMEOUT_MS, TimeUnit.MILLISECONDS).listModels(request);
                answered++;
                for (ModelInfo m : r.getModelsList()) {
                    models.merge(m.getId(), m, (a, b) -> a.getActive() ? a : b);
                }
            } catch (StatusRuntimeException e) {
                log.debug("ListModels on gpu-node {} failed: {}", node.getNodeId(), e.getStatus());
            }
        }
        if (answered == 0 && !nodes.isEmpty()) {
            responses.onError(Errors.of(Status.Code.UNAVAILABLE, "NO_INFERENCE_NODE",
                    "No gpu-node answered ListModels (" + nodes.size() + " live)"));
            return;
        }
        responses.onNext(ListModelsResponse.newBuilder().addAllModels(models.values()).build());
        responses.onCompleted();
    }

    private static boolean authenticated(StreamObserver<?> responses) {
        if (Principal.current() == null) {
            responses.onError(Errors.unauthenticated("AUTH_REQUIRED", "Authentication required"));
            return false;
        }
        return true;
    }

    // Node statuses keep their code and description; the node is named so operators can find it.
    private static StatusRuntimeException nodeError(Status status, ModelRouter.Route route) {
        String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            description = "gpu-node " + route.nodeId() + " at " + route.target() + " unreachable: " + description;
        }
        return status.withDescription(description).asRuntimeException();
    }

    @Override
    public void close() {
        channels.close();
    }
}
