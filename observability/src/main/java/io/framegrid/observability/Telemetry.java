package io.framegrid.observability;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The metric families shared by every role of one JVM. Created once per process (or per test) and
 * passed to the servers, because a Prometheus registry rejects a second registration of a name.
 */
public final class Telemetry {
    private final PrometheusRegistry registry;
    private final GrpcServerMetrics grpcServer;
    private final HttpRouteMetrics httpRoutes;

    public Telemetry(PrometheusRegistry registry) {
        this.registry = registry;
        this.grpcServer = new GrpcServerMetrics(registry);
        this.httpRoutes = new HttpRouteMetrics(registry);
    }

    /** A registry with JVM metrics, as a process serves it. */
    public static Telemetry withJvmMetrics() {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        return new Telemetry(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public GrpcServerMetrics grpcServer() {
        return grpcServer;
    }

    public HttpRouteMetrics httpRoutes() {
        return httpRoutes;
    }
}
