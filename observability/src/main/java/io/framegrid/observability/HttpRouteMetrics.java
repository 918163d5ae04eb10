package io.framegrid.observability;

import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.Function;

/** Per-route HTTP request counts by status and latency histograms for the REST surfaces. */
public final class HttpRouteMetrics {
    private final Counter requests;
    private final Histogram latency;

    HttpRouteMetrics(PrometheusRegistry registry) {
        requests = Counter.builder()
                .name("framegrid_http_requests")
                .help("HTTP requests completed by the gateway, by surface, route pattern, method and status")
                .labelNames("surface", "route", "method", "status")
                .register(registry);
        latency = Histogram.builder()
                .name("framegrid_http_request_duration_seconds")
                .help("HTTP request latency at the gateway, by surface, route pattern and method")
                .unit(Unit.SECONDS)
                .labelNames("surface", "route", "method")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
    }

    /** A decorator recording every request of {@code surface} once its log is complete. */
    public Function<? super HttpService, ? extends HttpService> decorator(String surface) {
        return delegate -> (ServiceRequestContext ctx, com.linecorp.armeria.common.HttpRequest req) -> {
            ctx.log().whenComplete().thenAccept(log -> record(surface, ctx, log));
            return delegate.serve(ctx, req);
        };
    }

    private void record(String surface, ServiceRequestContext ctx, RequestLog log) {
        // The route pattern, not the concrete path, keeps label cardinality bounded.
        String route = ctx.config().route().patternString();
        String method = ctx.method().name();
        String status = log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
                ? String.valueOf(log.responseHeaders().status().code()) : "0";
        requests.labelValues(surface, route, method, status).inc();
        latency.labelValues(surface, route, method).observe(log.totalDurationNanos() / 1e9);
    }
}
