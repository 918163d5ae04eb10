package io.framegrid.gateway;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.framegrid.gateway.admin.GrpcForwarder;
import io.framegrid.proto.cluster.v1.NodeServiceGrpc;
import io.framegrid.proto.identity.v1.IdentityServiceGrpc;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.jobs.v1.JobServiceGrpc;
import io.framegrid.proto.media.v1.MediaServiceGrpc;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.annotation.AnnotationAuthRoutes;
import io.framegrid.gateway.detection.DetectionAuthRoutes;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.RateLimiter;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.reconstruction.ReconstructionAuthRoutes;
import io.framegrid.gateway.reframer.ReframerAuthRoutes;
import io.framegrid.gateway.studio.StudioAuthRoutes;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST gateway: one Armeria server per product surface, each on its own port so every documented
 * path works exactly as written (studio and reconstruction both own {@code /api/v1/auth/register}),
 * plus an admin server. Every call goes to the coordinator through the client SDK.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final FramegridConfig.Gateway config;
    private final Telemetry telemetry;
    private final FramegridClient client;
    private final boolean ownsClient;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final List<SurfaceRoutes> surfaces = new ArrayList<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();

    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry) {
        this(config, telemetry, FramegridClient.builder(config.coordinatorTarget()).build(), true);
    }

    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry, FramegridClient client, boolean ownsClient) {
        this.config = config;
        this.telemetry = telemetry;
        this.client = client;
        this.ownsClient = ownsClient;
        Clock clock = Clock.systemUTC();
        surfaces.add(new StudioAuthRoutes(client, authLimiter(clock)));
        surfaces.add(new io.framegrid.gateway.studio.upload.StudioUploadRoutes(client));
        surfaces.add(new AnnotationAuthRoutes(client, authLimiter(clock)));
        surfaces.add(new ReframerAuthRoutes(client, authLimiter(clock), List::of));
        surfaces.add(new io.framegrid.gateway.reframer.ReframerJobRoutes(client, config.reframer(), clock));
        surfaces.add(new ReconstructionAuthRoutes(client, authLimiter(clock)));
        surfaces.add(new DetectionAuthRoutes(client, authLimiter(clock)));
        ports.put("studio", config.studioPort());
        ports.put("annotation", config.annotationPort());
        ports.put("reframer", config.reframerPort());
        ports.put("reconstruction", config.reconstructionPort());
        ports.put("detection", config.detectionPort());
    }

    private RateLimiter authLimiter(Clock clock) {
        return new RateLimiter(config.authRateLimitPerMinute(), Duration.ofMinutes(1), clock);
    }

    /** Adds one surface's route sets, error format, limits and metrics to {@code sb}; tests reuse this. */
    public void configure(ServerBuilder sb, List<SurfaceRoutes> routeSets) {
        Endpoints endpoints = new Endpoints(routeSets.get(0).surface());
        // The default cap suits JSON bodies; upload routes raise it per route.
        sb.maxRequestLength(config.maxJsonBodyBytes())
                .errorHandler(endpoints.serverErrorHandler())
                .decorator(endpoints.requestIdDecorator())
                .decorator(telemetry.httpRoutes().decorator(endpoints.surface().name()));
        routeSets.forEach(routes -> routes.configure(sb, endpoints));
    }

    public GatewayServer start() {
        // Several route sets may share a surface (e.g. studio auth and studio uploads): one server each surface.
        Map<String, List<SurfaceRoutes>> bySurface = new LinkedHashMap<>();
        for (SurfaceRoutes routes : surfaces) {
            bySurface.computeIfAbsent(routes.surface().name(), k -> new ArrayList<>()).add(routes);
        }
        bySurface.forEach((name, routeSets) -> {
            ServerBuilder sb = Server.builder().http(new InetSocketAddress(config.host(), ports.get(name)))
                    // Armeria's own Micrometer meters are per server; our Prometheus metrics are the ones served.
                    .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            configure(sb, routeSets);
            servers.put(name, sb.build());
        });
        ServerBuilder admin = Server.builder().http(new InetSocketAddress(config.host(), config.adminPort()))
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        admin.service("/internal/health", HealthCheckService.of());
        // Operators get the coordinator's gRPC API on the admin port too: relayed, and documented by DocService.
        admin.service(GrpcService.builder()
                .addService(GrpcForwarder.forward(IdentityServiceGrpc.getServiceDescriptor(), client.channel()))
                .addService(GrpcForwarder.forward(JobServiceGrpc.getServiceDescriptor(), client.channel()))
                .addService(GrpcForwarder.forward(MediaServiceGrpc.getServiceDescriptor(), client.channel()))
                .addService(GrpcForwarder.forward(NodeServiceGrpc.getServiceDescriptor(), client.channel()))
                .addService(GrpcForwarder.forward(InferenceServiceGrpc.getServiceDescriptor(), client.channel()))
                .addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
                .enableHealthCheckService(true)
                .build());
        admin.serviceUnder("/docs", DocService.builder().build());
        servers.put("admin", admin.build());
        CompletableFuture.allOf(servers.values().stream().map(Server::start).toArray(CompletableFuture[]::new)).join();
        servers.forEach((name, server) -> log.info("Gateway {} surface listening on port {}", name, server.activeLocalPort()));
        return this;
    }

    /** The bound port of a surface ({@code studio, annotation, reframer, reconstruction, detection, admin}). */
    public int port(String surface) {
        Server server = servers.get(surface);
        if (server == null) {
            throw new IllegalArgumentException("Unknown surface " + surface);
        }
        return server.activeLocalPort();
    }

    @Override
    public void close() {
        CompletableFuture.allOf(servers.values().stream().map(Server::stop).toArray(CompletableFuture[]::new)).join();
        if (ownsClient) {
            client.close();
        }
    }
}
