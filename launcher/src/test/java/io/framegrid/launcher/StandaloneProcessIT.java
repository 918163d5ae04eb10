package io.framegrid.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.sdk.FramegridClient;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The standalone cluster as users run it: {@code java -jar framegrid.jar standalone}, probed over HTTP
 * on all five surfaces, over gRPC, and on /metrics (through promtool), then stopped with SIGTERM and
 * started again on the same data directory.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneProcessIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    // HTTP/1.1 as Prometheus and curl speak it: the JDK client's h2c upgrade once read a plain HTTP/1.1 /metrics
    // reply as HTTP/2 frames on CI ("Frame type(114) ... exceeds MAX_FRAME_SIZE"), which says nothing of the server.
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static Path dataDir;
    private static Map<String, Integer> ports;
    private static FramegridProcess process;

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("framegrid-standalone-it");
        ports = Map.of("grpc", LocalPorts.free(), "studio", LocalPorts.free(), "annotation", LocalPorts.free(),
                "reframer", LocalPorts.free(), "reconstruction", LocalPorts.free(), "detection", LocalPorts.free(),
                "admin", LocalPorts.free(), "metrics", LocalPorts.free(), "gpu", LocalPorts.free());
        process = launch("standalone");
        process.awaitOutput("Framegrid standalone ready", Duration.ofSeconds(180));
    }

    private static FramegridProcess launch(String name) throws IOException {
        int discovery = LocalPorts.free();
        List<String> args = new ArrayList<>(List.of("standalone", "--data-dir", dataDir.toString()));
        String[][] sets = {
                {"coordinator.grpc.port", "" + ports.get("grpc")}, {"gpu-node.grpc.port", "" + ports.get("gpu")},
                {"gateway.studio.port", "" + ports.get("studio")}, {"gateway.annotation.port", "" + ports.get("annotation")},
                {"gateway.reframer.port", "" + ports.get("reframer")},
                {"gateway.reconstruction.port", "" + ports.get("reconstruction")},
                {"gateway.detection.port", "" + ports.get("detection")}, {"gateway.admin.port", "" + ports.get("admin")},
                {"metrics.port", "" + ports.get("metrics")},
                {"grid.discovery.port", "" + discovery}, {"grid.discovery.port-range", "0"},
                {"grid.discovery.addresses", "127.0.0.1:" + discovery},
                {"grid.communication.port", "" + LocalPorts.free()},
                {"grid.consistent-id", "standalone-it"}};
        for (String[] set : sets) {
            args.add("--set");
            args.add(set[0] + "=" + set[1]);
        }
        return FramegridProcess.fromJar(name, Path.of(System.getProperty("framegrid.jar")), args);
    }

    @AfterAll
    static void stop() throws Exception {
        if (process != null) {
            process.close();
        }
        CoordinatorExtension.deleteRecursively(dataDir);
    }

    private static JsonNode send(HttpRequest request, int expectedStatus) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(request.uri() + " -> " + response.body()).isEqualTo(expectedStatus);
        return JSON.readTree(response.body());
    }

    private static HttpRequest post(String surface, String path, String json) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(surface) + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private static HttpRequest get(String surface, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(surface) + path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    @Test
    @Order(0)
    void aFirstStartPrintsOneSummaryLineAndNeitherStackTracesNorIgnitesBanner() {
        String out = process.output();
        assertQuiet(out);
        List<String> ready = out.lines().filter(l -> l.contains("Framegrid standalone ready:")).toList();
        assertThat(ready).hasSize(1);
        assertThat(ready.get(0)).contains("gRPC " + ports.get("grpc"), "studio " + ports.get("studio"),
                "reframer " + ports.get("reframer"), "detection " + ports.get("detection"), "admin " + ports.get("admin"),
                "metrics " + ports.get("metrics"), "data " + dataDir,
                "password in " + dataDir.resolve("initial-admin-password"),
                "detectors ", "hog-people",
                // No models folder here: the line says why COCO detection is off and what to do.
                "COCO detection off: no YOLOX-Nano model installed", "framegrid models add");
    }

    /** No stack trace, no exception, none of Ignite's banner or topology lines. */
    static void assertQuiet(String out) {
        assertThat(out.lines().filter(l -> l.startsWith("\tat ") || l.matches("^\\s+at [\\w.$]+\\(.*")
                || l.startsWith("Caused by")).toList()).as(out).isEmpty();
        assertThat(out).doesNotContain("Ignite node started OK", "Topology snapshot", "VM information", ">>> ",
                "Data Regions Started", "Ignite ver.");
    }

    @Test
    @Order(1)
    void everySurfaceRegistersLogsInRefreshesAndReadsTheProfile() throws Exception {
        // B studio
        send(post("studio", "/api/v1/auth/register",
                "{\"email\":\"b@example.com\",\"password\":\"SecurePass123!\",\"full_name\":\"John Doe\"}"), 201);
        JsonNode b = send(post("studio", "/api/v1/auth/login", "{\"email\":\"b@example.com\",\"password\":\"SecurePass123!\"}"), 200);
        JsonNode bRefreshed = send(post("studio", "/api/v1/auth/refresh",
                "{\"refresh_token\":\"" + b.get("refresh_token").asText() + "\"}"), 200);
        assertThat(send(get("studio", "/api/v1/auth/me", "Authorization", "Bearer " + bRefreshed.get("access_token").asText()), 200)
                .get("credits").asInt()).isEqualTo(100);
        // A annotation
        send(post("annotation", "/api/auth/register",
                "{\"username\":\"annie\",\"email\":\"a@example.com\",\"password\":\"Annotate123\"}"), 201);
        JsonNode a = send(post("annotation", "/api/auth/login", "{\"email\":\"a@example.com\",\"password\":\"Annotate123\"}"), 200);
        JsonNode aRefreshed = send(post("annotation", "/api/auth/refresh_token",
                "{\"refresh_token\":\"" + a.get("refresh_token").asText() + "\"}"), 200);
        assertThat(send(get("annotation", "/api/users/" + a.get("user_id").asText(),
                "Authorization", "Bearer " + aRefreshed.get("access_token").asText()), 200).get("username").asText())
                .isEqualTo("annie");
        // C reframer
        assertThat(send(get("reframer", "/health"), 200).get("status").asText()).isEqualTo("healthy");
        String key = send(post("reframer", "/register", "{\"email\":\"c@example.com\"}"), 200).get("api_key").asText();
        assertThat(send(get("reframer", "/account", "X-API-Key", key), 200).get("email").asText()).isEqualTo("c@example.com");
        // D reconstruction
        JsonNode d = send(post("reconstruction", "/api/v1/auth/register",
                "{\"username\":\"dora\",\"email\":\"d@example.com\",\"password\":\"Mesh12345\"}"), 201);
        JsonNode dToken = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get("reconstruction")
                        + "/api/v1/auth/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=dora&password=Mesh12345")).build(), 200);
        assertThat(send(get("reconstruction", "/api/v1/auth/me", "Authorization", "Bearer " + dToken.get("access_token").asText()),
                200).get("id").asLong()).isEqualTo(d.get("id").asLong());
        // E detection
        send(post("detection", "/api/auth/register", "{\"username\":\"eve\",\"email\":\"e@example.com\",\"password\":\"Detect123\"}"), 201);
        JsonNode e = send(post("detection", "/api/v1/auth/login", "{\"username\":\"eve\",\"password\":\"Detect123\"}"), 200);
        assertThat(send(get("detection", "/api/auth/me", "Authorization", "Bearer " + e.get("token").asText()), 200)
                .get("email").asText()).isEqualTo("e@example.com");
    }

    @Test
    @Order(2)
    void grpcHealthAnswersServingOnCoordinatorAndGpuNode() {
        for (String port : List.of("grpc", "gpu")) {
            try (FramegridClient client = FramegridClient.builder("127.0.0.1:" + ports.get(port)).build()) {
                assertThat(HealthGrpc.newBlockingStub(client.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            }
        }
    }

    @Test
    @Order(2)
    void builtInDetectorsAreServedThroughTheCoordinatorWithoutAModelsDir() throws Exception {
        try (FramegridClient anonymous = FramegridClient.builder("127.0.0.1:" + ports.get("grpc")).build()) {
            anonymous.identity().register(io.framegrid.proto.identity.v1.RegisterRequest.newBuilder()
                    .setEmail("inference@example.com").setUsername("inference").setPassword("Sup3rSecret").build());
            FramegridClient user = anonymous.withBearerToken(
                    anonymous.identity().login("inference", "Sup3rSecret").getAccessToken());
            // The gpu-node advertises its models with its first heartbeat after start.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptionsInstanceOf(io.framegrid.sdk.FramegridException.class)
                    .until(() -> user.inference().listModels().stream()
                            .map(io.framegrid.proto.inference.v1.ModelInfo::getId).toList()
                            .containsAll(List.of("hog-people", "haar-face", "paddleocr-db-text")));
            byte[] jpeg = Files.readAllBytes(io.framegrid.config.local.SharedFiles.media("images/person.jpg"));
            io.framegrid.proto.inference.v1.DetectResponse hog = user.inference().detect("hog-people", jpeg);
            assertThat(hog.getModelId()).isEqualTo("hog-people");
            assertThat(hog.getImageWidth()).isEqualTo(640);
        }
    }

    @Test
    @Order(3)
    void metricsPassPromtoolAndCoverRpcsRoutesJvmAndGrid() throws Exception {
        send(post("studio", "/api/v1/auth/login", "{\"email\":\"b@example.com\",\"password\":\"WrongPass123\"}"), 401);
        HttpResponse<String> metrics = HTTP.send(get("metrics", "/metrics"), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        String body = metrics.body();
        assertThat(body).contains("framegrid_grpc_server_handled_total{", "framegrid_http_requests_total{",
                "framegrid_http_request_duration_seconds_bucket{", "framegrid_grid_nodes{", "jvm_memory_used_bytes");
        assertThat(body).contains("code=\"UNAUTHENTICATED\"").doesNotContain("code=\"INTERNAL\"");
        boolean promtool = Files.isExecutable(Path.of("/usr/bin/promtool"));
        if (!promtool) {
            assertThat(System.getenv("CI")).as("CI must install promtool (.ci/run does)").isNotEqualTo("true");
            assumeTrue(false, "promtool not installed; .ci/run installs it");
        }
        Process check = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(report).isZero();
    }

    @Test
    @Order(4)
    void sigtermStopsCleanlyAndARestartKeepsTheUsers() throws Exception {
        int exit = process.stop(Duration.ofSeconds(60));
        assertThat(process.printed("Framegrid standalone stopped")).as("clean stop, exit %d", exit).isTrue();
        // The whole run, start to stop, printed no stack trace.
        assertQuiet(process.output());
        assertThat(exit).isIn(0, 143);
        process = launch("standalone-restarted");
        process.awaitOutput("Framegrid standalone ready", Duration.ofSeconds(180));
        send(post("studio", "/api/v1/auth/login", "{\"email\":\"b@example.com\",\"password\":\"SecurePass123!\"}"), 200);
        send(post("reconstruction", "/api/v1/auth/register",
                "{\"username\":\"dora\",\"email\":\"d2@example.com\",\"password\":\"Mesh12345\"}"), 400);
    }
}
