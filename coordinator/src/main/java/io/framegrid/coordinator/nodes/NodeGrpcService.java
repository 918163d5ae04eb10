package io.framegrid.coordinator.nodes;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.cluster.v1.ListNodesRequest;
import io.framegrid.proto.cluster.v1.ListNodesResponse;
import io.framegrid.proto.cluster.v1.NodeServiceGrpc;
import io.grpc.stub.StreamObserver;

/** Admin view of the gpu-nodes. */
public final class NodeGrpcService extends NodeServiceGrpc.NodeServiceImplBase {
    private final NodeDirectory directory;

    public NodeGrpcService(NodeDirectory directory) {
        this.directory = directory;
    }

    /** Lists gpu-nodes in the topology now with capabilities and load; admins only. */
    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> response) {
        Principal caller = Principal.current();
        if (caller == null) {
            response.onError(Errors.unauthenticated("AUTH_REQUIRED", "Authentication required"));
            return;
        }
        if (!caller.isAdmin()) {
            response.onError(Errors.forbidden("Admin access required"));
            return;
        }
        try {
            response.onNext(ListNodesResponse.newBuilder().addAllNodes(directory.liveNodes()).build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
        }
    }
}
