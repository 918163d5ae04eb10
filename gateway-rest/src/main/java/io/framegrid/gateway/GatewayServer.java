package io.framegrid.gateway;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.admin.GrpcForwarder;
import io.framegrid.gateway.admin.ReflectionV1Alpha;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.cluster.v1.NodeServiceGrpc;
import io.framegrid.proto.identity.v1.IdentityServiceGrpc;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.jobs.v1.JobServiceGrpc;
import io.framegrid.proto.media.v1.MediaServiceGrpc;
import io.framegrid.sdk.FramegridClient;
import io.grpc.ServerServiceDefinition;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST gateway: one Armeria server per product surface, each on its own port so every documented
 * path works exactly as written (studio and reconstruction both own {@code /api/v1/auth/register}),
 * plus an admin server. Every call goes to the coordinator through the client SDK.
 *
 * <p>Surfaces are the {@link GatewaySurface} plug-ins on the class path ({@link ServiceLoader}); this class names
 * no product. Each gets the port {@code gateway.<name>.port}.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final FramegridConfig.Gateway config;
    private final Telemetry telemetry;
    private final FramegridClient client;
    private final boolean ownsClient;
    private final Clock clock;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final Map<String, Surface> conventions = new LinkedHashMap<>();
    private final Map<String, List<SurfaceRoutes>> routes = new LinkedHashMap<>();
    private ReflectionV1Alpha reflectionV1Alpha;

    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry) {
        this(config, telemetry, FramegridClient.builder(config.coordinatorTarget()).build(), true);
    }

    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry, FramegridClient client, boolean ownsClient) {
        this(config, telemetry, client, ownsClient, Clock.systemUTC());
    }

    /** {@code clock} drives every limit window and {@code Retry-After} of every surface. */
    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry, FramegridClient client, boolean ownsClient,
                         Clock clock) {
        this(config, telemetry, client, ownsClient, clock, installedSurfaces());
    }

    public GatewayServer(FramegridConfig.Gateway config, Telemetry telemetry, FramegridClient client, boolean ownsClient,
                         Clock clock, List<GatewaySurface> surfaces) {
        this.config = config;
        this.telemetry = telemetry;
        this.client = client;
        this.ownsClient = ownsClient;
        this.clock = clock;
        for (GatewaySurface surface : surfaces) {
            if (conventions.putIfAbsent(surface.name(), surface.conventions()) != null) {
                throw new IllegalStateException("Two gateway surfaces are named " + surface.name());
            }
            // A plug-in whose keys are not documented fails here, naming gateway.<name>.port.
            config.surface(surface.name()).port();
            routes.put(surface.name(), surface.routes(new SurfaceContext(client, config, surface.name(), clock, telemetry)));
        }
    }

    /** The surfaces on the class path, in the order their services files list them. */
    public static List<GatewaySurface> installedSurfaces() {
        List<GatewaySurface> surfaces = new ArrayList<>();
        ServiceLoader.load(GatewaySurface.class, GatewayServer.class.getClassLoader()).forEach(surfaces::add);
        return surfaces;
    }

    /** Adds one surface's route sets, error format, request ids, limits and metrics to {@code sb}, as {@link #start()} does. */
    public void configure(ServerBuilder sb, Surface surface, List<SurfaceRoutes> routeSets) {
        Endpoints endpoints = new Endpoints(surface);
        // The default cap suits JSON bodies; upload routes raise it per route.
        sb.maxRequestLength(config.maxJsonBodyBytes())
                .requestIdGenerator(Endpoints.requestIds())
                .errorHandler(endpoints.serverErrorHandler())
                .decorator(endpoints.requestIdDecorator())
                .decorator(telemetry.httpRoutes().decorator(surface.name()));
        routeSets.forEach(r -> r.configure(sb, endpoints));
        // Generated from the annotated routes this server ends up serving, so every product's routes appear.
        sb.service("/openapi.json", new io.framegrid.gateway.openapi.OpenApiService(surface.name(),
                OPENAPI_VERSION, io.framegrid.gateway.http.Json.MAPPER));
    }

    private static final String OPENAPI_VERSION = "0.1.0";

    /**
     * Mounts every surface's annotated routes on the admin server under {@code /<surface>} (studio and
     * reconstruction share paths), so DocService documents them beside the relayed gRPC services. They are inert
     * there: a call is told which port serves it.
     */
    private void documentSurfaces(ServerBuilder admin) {
        routes.forEach((name, routeSets) -> {
            Endpoints endpoints = new Endpoints(conventions.get(name));
            for (SurfaceRoutes routeSet : routeSets) {
                for (SurfaceRoutes.Documented documented : routeSet.documented()) {
                    endpoints.annotated(admin)
                            .pathPrefix("/" + name + documented.pathPrefix())
                            // A decorating function keeps the annotated service visible to DocService underneath.
                            .decorator(service -> service.decorate((delegate, ctx, req) -> endpoints.render(ctx,
                                    HttpStatus.MISDIRECTED_REQUEST, "MISDIRECTED_REQUEST",
                                    "Served on the " + name + " port, " + port(name), Map.of())))
                            .build(documented.routes());
                }
            }
        });
    }

    public GatewayServer start() {
        conventions.forEach((name, surface) -> {
            ServerBuilder sb = Server.builder()
                    .http(new InetSocketAddress(config.host(), config.surface(name).port()))
                    // Armeria's own Micrometer meters are per server; our Prometheus metrics are the ones served.
                    .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            configure(sb, surface, routes.get(name));
            servers.put(name, sb.build());
        });
        ServerBuilder admin = Server.builder().http(new InetSocketAddress(config.host(), config.adminPort()))
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        admin.service("/internal/health", HealthCheckService.of());
        List<ServerServiceDefinition> relayed = List.of(
                GrpcForwarder.forward(IdentityServiceGrpc.getServiceDescriptor(), client.channel()),
                GrpcForwarder.forward(JobServiceGrpc.getServiceDescriptor(), client.channel()),
                GrpcForwarder.forward(MediaServiceGrpc.getServiceDescriptor(), client.channel()),
                GrpcForwarder.forward(NodeServiceGrpc.getServiceDescriptor(), client.channel()),
                GrpcForwarder.forward(InferenceServiceGrpc.getServiceDescriptor(), client.channel()));
        reflectionV1Alpha = new ReflectionV1Alpha(relayed);
        GrpcServiceBuilder grpc = GrpcService.builder();
        relayed.forEach(grpc::addService);
        // Operators get the coordinator's gRPC API on the admin port too: relayed, and documented by DocService.
        admin.service(grpc
                .addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
                .addService(reflectionV1Alpha.service())
                .enableHealthCheckService(true)
                .build());
        documentSurfaces(admin);
        DocServiceBuilder docs = DocService.builder();
        // /docs links each surface's OpenAPI document (served on the surface's own port).
        docs.injectedScripts(openApiLinks());
        routes.values().forEach(routeSets -> routeSets.forEach(routeSet -> routeSet.examples(docs)));
        admin.serviceUnder("/docs", docs.build());
        admin.service("/openapi/:surface", openApiRedirect());
        servers.put("admin", admin.build());
        CompletableFuture.allOf(servers.values().stream().map(Server::start).toArray(CompletableFuture[]::new)).join();
        servers.forEach((name, server) -> log.info("Gateway {} surface listening on port {}", name, server.activeLocalPort()));
        return this;
    }

    // A fixed corner box on /docs linking /openapi/<surface>, which the admin server redirects to the surface's port.
    private String openApiLinks() {
        StringBuilder names = new StringBuilder();
        conventions.keySet().forEach(name -> names.append("'").append(name).append("',"));
        return "(function(){var s=[" + names + "];function add(){if(document.getElementById('framegrid-openapi'))"
                + "return;var d=document.createElement('div');d.id='framegrid-openapi';"
                + "d.style.cssText='position:fixed;bottom:0;right:0;padding:6px 10px;background:#fff;"
                + "border:1px solid #ccc;font:12px sans-serif;z-index:9999';d.appendChild(document.createTextNode("
                + "'OpenAPI 3.1: '));s.forEach(function(x){var a=document.createElement('a');a.href='/openapi/'+x;"
                + "a.textContent=x;a.style.marginRight='8px';d.appendChild(a);});document.body.appendChild(d);}"
                + "if(document.readyState==='loading')document.addEventListener('DOMContentLoaded',add);else add();})();";
    }

    /** {@code GET /openapi/<surface>} on the admin port: a redirect to that surface's own {@code /openapi.json}. */
    private HttpResponseRedirect openApiRedirect() {
        return new HttpResponseRedirect();
    }

    private final class HttpResponseRedirect implements com.linecorp.armeria.server.HttpService {
        @Override
        public com.linecorp.armeria.common.HttpResponse serve(com.linecorp.armeria.server.ServiceRequestContext ctx,
                com.linecorp.armeria.common.HttpRequest req) {
            String name = ctx.pathParam("surface");
            Server server = name == null || !conventions.containsKey(name) ? null : servers.get(name);
            if (server == null) {
                return com.linecorp.armeria.common.HttpResponse.of(HttpStatus.NOT_FOUND);
            }
            String authority = req.authority() == null ? "127.0.0.1" : req.authority();
            String host = authority.startsWith("[") ? authority.substring(0, authority.indexOf(']') + 1)
                    : authority.replaceFirst(":\\d+$", "");
            return com.linecorp.armeria.common.HttpResponse.ofRedirect(HttpStatus.TEMPORARY_REDIRECT,
                    "http://" + host + ":" + server.activeLocalPort() + "/openapi.json");
        }
    }

    /** The bound port of every surface, then of the admin server ({@code admin}). */
    public Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        servers.forEach((name, server) -> ports.put(name, server.activeLocalPort()));
        return ports;
    }

    /** The bound port of a surface, by its name, or of the admin server ({@code admin}). */
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
        if (reflectionV1Alpha != null) {
            reflectionV1Alpha.close();
        }
        if (ownsClient) {
            client.close();
        }
    }
}
