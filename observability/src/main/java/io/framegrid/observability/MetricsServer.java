package io.framegrid.observability;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import java.net.InetSocketAddress;

/** Serves {@code GET /metrics} in the Prometheus text format on its own port. */
public final class MetricsServer implements AutoCloseable {
    private final Server server;

    public MetricsServer(Telemetry telemetry, String host, int port) {
        ServerBuilder sb = Server.builder().http(new InetSocketAddress(host, port))
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        configure(sb, telemetry);
        this.server = sb.build();
    }

    public static void configure(ServerBuilder sb, Telemetry telemetry) {
        sb.service("/metrics", PrometheusExpositionService.of(telemetry.registry()));
    }

    public MetricsServer start() {
        server.start().join();
        return this;
    }

    public int port() {
        return server.activeLocalPort();
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
