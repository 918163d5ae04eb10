package io.framegrid.sdk.jobs;

import io.framegrid.proto.cluster.v1.ListNodesRequest;
import io.framegrid.proto.cluster.v1.NodeServiceGrpc;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;

/** Blocking admin view of the gpu-nodes; failures throw {@link FramegridException}. */
public final class NodesClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public NodesClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public List<NodeStatus> list() {
        NodeServiceGrpc.NodeServiceBlockingStub stub =
                CallSupport.prepare(NodeServiceGrpc.newBlockingStub(channel), credentials, deadline);
        try {
            return stub.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }
}
