package io.framegrid.observability;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/** Per-RPC request counts by status code and latency histograms for every gRPC server of the JVM. */
public final class GrpcServerMetrics {
    private final Counter requests;
    private final Histogram latency;

    GrpcServerMetrics(PrometheusRegistry registry) {
        requests = Counter.builder()
                .name("framegrid_grpc_server_handled_total")
                .help("gRPC calls completed by a Framegrid server, by server role, service, method and status code")
                .labelNames("server", "service", "method", "code")
                .register(registry);
        latency = Histogram.builder()
                .name("framegrid_grpc_server_handling_seconds")
                .help("Time from a gRPC call's arrival to its close, by server role, service and method")
                .unit(Unit.SECONDS)
                .labelNames("server", "service", "method")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
    }

    /** An interceptor labelling this server's calls with {@code serverRole} (coordinator, gpu-node). */
    public ServerInterceptor interceptor(String serverRole) {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                    ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
                MethodDescriptor<ReqT, RespT> method = call.getMethodDescriptor();
                String service = String.valueOf(method.getServiceName());
                String name = String.valueOf(method.getBareMethodName());
                long start = System.nanoTime();
                ServerCall<ReqT, RespT> timed = new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        requests.labelValues(serverRole, service, name, status.getCode().name()).inc();
                        latency.labelValues(serverRole, service, name).observe((System.nanoTime() - start) / 1e9);
                        super.close(status, trailers);
                    }
                };
                return next.startCall(timed, headers);
            }
        };
    }
}
