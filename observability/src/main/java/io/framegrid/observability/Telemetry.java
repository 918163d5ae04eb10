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
    private final java.util.Map<Class<?>, Object> shared = new java.util.concurrent.ConcurrentHashMap<>();

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

    /**
     * The one {@code type} instance of this JVM's metrics, made by {@code create} (which registers it) on first
     * use: families that several roles of one process feed (the job ledger's) are registered once and shared,
     * while each role of its own JVM still exports them.
     */
    public <T> T shared(Class<T> type, java.util.function.Supplier<? extends T> create) {
        return type.cast(shared.computeIfAbsent(type, t -> create.get()));
    }
}
