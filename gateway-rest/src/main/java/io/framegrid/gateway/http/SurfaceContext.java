package io.framegrid.gateway.http;

import io.framegrid.config.FramegridConfig;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * What a {@link GatewaySurface} builds its routes from: the SDK client, its own settings, the gateway's clock and
 * metrics.
 */
public final class SurfaceContext {
    private final FramegridClient client;
    private final FramegridConfig.Gateway gateway;
    private final FramegridConfig.Gateway.SurfaceSettings settings;
    private final Clock clock;
    private final RateLimiter authLimiter;
    private final Telemetry telemetry;

    /** A context whose metrics go to a private registry nobody serves (tests that only read routes). */
    public SurfaceContext(FramegridClient client, FramegridConfig.Gateway gateway, String surface, Clock clock) {
        this(client, gateway, surface, clock, new Telemetry(new PrometheusRegistry()));
    }

    public SurfaceContext(FramegridClient client, FramegridConfig.Gateway gateway, String surface, Clock clock,
                          Telemetry telemetry) {
        this.client = client;
        this.telemetry = telemetry;
        this.gateway = gateway;
        this.settings = gateway.surface(surface);
        this.clock = clock;
        // One budget per surface: a client locked out of one product's sign-in is not locked out of another's.
        this.authLimiter = new RateLimiter(gateway.authRateLimitPerMinute(), Duration.ofMinutes(1), clock);
    }

    public FramegridClient client() {
        return client;
    }

    /** The settings every surface shares ({@code gateway.*}). */
    public FramegridConfig.Gateway gateway() {
        return gateway;
    }

    /** This surface's own keys, {@code gateway.<name>.*}. */
    public FramegridConfig.Gateway.SurfaceSettings settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The gateway's metric families, served on its role's {@code /metrics}: a surface registers its own product
     * families through {@link Telemetry#shared}, once per JVM.
     */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** The per-client-address limiter of this surface's sign-in routes ({@code gateway.auth-rate-limit.per-minute}). */
    public RateLimiter authLimiter() {
        return authLimiter;
    }
}
