package io.framegrid.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.RoutePathType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceConfig;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every surface serves an OpenAPI 3.1 document at {@code /openapi.json} that a real OpenAPI parser (swagger-parser)
 * accepts without a message, that documents exactly the routes the surface's server serves (each route
 * documented, each documented route served), and that {@code /docs} on the admin port links.
 */
class OpenApiTest {
    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of());

    private static final Set<String> META_ROUTES = Set.of("/openapi.json");

    @Test
    void everySurfaceDocumentsExactlyTheRoutesItServesInAValidOpenApi31Document() throws Exception {
        FramegridConfig config = FramegridConfig.from(IsolatedSettings.freeGatewayPorts(Settings.builder()).build());
        // A surface server configured exactly as the gateway configures its own, so its routes can be listed.
        HttpClient http = GatewayExtension.testHttpClient();
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:1").build()) {
            GatewayServer configurer = new GatewayServer(config.gateway(), new Telemetry(new PrometheusRegistry()),
                    client, false);
            assertThat(GatewayServer.installedSurfaces()).hasSizeGreaterThanOrEqualTo(5);
            for (GatewaySurface surface : GatewayServer.installedSurfaces()) {
                ServerBuilder sb = Server.builder().http(0);
                configurer.configure(sb, surface.conventions(), surface.routes(
                        new SurfaceContext(client, config.gateway(), surface.name(), Clock.systemUTC())));
                Server server = sb.build();
                server.start().join();
                try {
                    String body = http.send(HttpRequest.newBuilder(java.net.URI.create(
                            "http://127.0.0.1:" + server.activeLocalPort() + "/openapi.json"))
                                    .timeout(Duration.ofSeconds(60)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    JsonNode doc = Json.MAPPER.readTree(body);
                    // Kept beside the test reports for reading.
                    java.nio.file.Path out = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "openapi"));
                    java.nio.file.Files.writeString(out.resolve(surface.name() + ".json"), body);
                    assertValid(surface.name(), body);
                    assertThat(documented(doc)).as("documented routes of " + surface.name())
                            .isEqualTo(served(server)).isNotEmpty();
                    assertThat(doc.get("info").get("title").asText()).contains(surface.name());
                } finally {
                    server.stop().join();
                }
            }
        }
    }

    @Test
    void theRunningGatewayServesEachDocumentAndDocsLinksThem() {
        for (String surface : new TreeSet<>(GatewayServer.installedSurfaces().stream().map(GatewaySurface::name).toList())) {
            GatewayExtension.Reply reply = gateway.get(surface, "/openapi.json");
            assertThat(reply.status()).as(surface).isEqualTo(200);
            assertThat(reply.json().get("openapi").asText()).isEqualTo("3.1.0");
            // The admin port's link redirects to the surface's own port.
            GatewayExtension.Reply link = gateway.send(HttpRequest.newBuilder(gateway.uri("admin", "/openapi/" + surface)));
            assertThat(link.status()).isEqualTo(307);
            assertThat(link.header("location")).endsWith(":" + gateway.uri(surface, "/").getPort() + "/openapi.json");
        }
        assertThat(gateway.get("admin", "/openapi/no-such-surface").status()).isEqualTo(404);
        // DocService's page loads the injected script that lists the links.
        GatewayExtension.Reply script = gateway.get("admin", "/docs/injected.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.response().body()).contains("/openapi/", "'reframer'", "'detection'");
    }

    /** swagger-parser reads the document as OpenAPI 3.1 and reports nothing wrong with it. */
    private static void assertValid(String surface, String body) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(body, null, options);
        assertThat(result.getMessages()).as("OpenAPI messages for " + surface).isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    }

    private static Set<String> documented(JsonNode doc) {
        Set<String> routes = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> routes.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey()));
        }
        return routes;
    }

    private static Set<String> served(Server server) {
        Set<String> routes = new TreeSet<>();
        for (ServiceConfig config : server.serviceConfigs()) {
            Route route = config.route();
            if (route.pathType() == RoutePathType.PREFIX && route.patternString().equals("/")
                    || META_ROUTES.contains(route.patternString())) {
                continue;
            }
            // WebSocket endpoints (B's Socket.IO, D's job events, E's real-time detection) are upgrades, not HTTP
            // operations: OpenAPI 3.1 has no way to describe them; their messages are documented in the READMEs.
            if (config.service().as(com.linecorp.armeria.server.websocket.WebSocketService.class) != null) {
                continue;
            }
            String path = OpenApiDocument.openApiPath(route.pathType() == RoutePathType.EXACT
                    ? "exact:" + route.patternString() : route.patternString());
            for (HttpMethod method : route.methods()) {
                if (method != HttpMethod.HEAD && method != HttpMethod.OPTIONS || route.methods().size() == 1) {
                    routes.add(method.name() + " " + path);
                }
            }
        }
        return routes;
    }
}
