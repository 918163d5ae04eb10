package io.framegrid.launcher.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.framegrid.config.deploy.Monitoring;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.launcher.StandaloneLaunch;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.sdk.FramegridClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}, on a free port with its own storage)
 * loads the shipped scrape configuration and rules, scrapes a standalone cluster while jobs, detections and HTTP
 * requests run, and answers every query of the dashboard, every recording rule and every alert's signal with data.
 */
class PrometheusScrapeTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Monitoring FILES = Monitoring.inCheckout();

    private static Path dir;
    private static FramegridProcess cluster;
    private static Process prometheus;
    private static int prometheusPort;
    private static StandaloneLaunch launch;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("framegrid-prometheus-test");
        launch = StandaloneLaunch.onFreePorts(dir.resolve("data"), "prometheus-test")
                .set("gateway.detection.port", LocalPorts.free())
                .set("gateway.reframer.port", LocalPorts.free())
                .set("jobs.tier-limit.free", 100)
                .set("jobs.heartbeat-interval", "500ms")
                .set("identity.admin.password", "AdminPass123");
        cluster = FramegridProcess.fromClasspath("standalone", launch.args("standalone"));

        // The shipped configuration, scraping and evaluating every second instead of every 15 s, with the
        // standalone JVM as the only target.
        Path config = Files.createDirectories(dir.resolve("prometheus"));
        ObjectNode yml = (ObjectNode) FILES.yaml(FILES.prometheusConfig());
        ((ObjectNode) yml.get("global")).put("scrape_interval", "1s").put("scrape_timeout", "1s")
                .put("evaluation_interval", "1s");
        new YAMLMapper().writeValue(config.resolve("prometheus.yml").toFile(), yml);
        Files.copy(FILES.rules(), config.resolve("framegrid-rules.yml"));
        Files.createDirectories(config.resolve("targets"));
        for (String role : List.of("coordinator", "gpu-node", "gateway")) {
            Files.writeString(config.resolve("targets/" + role + ".json"), "[]");
        }
        Files.writeString(config.resolve("targets/standalone.json"),
                "[{\"targets\": [\"127.0.0.1:" + launch.port("metrics.port") + "\"]}]");
        prometheusPort = LocalPorts.free();
        Path binary = Path.of("/usr/bin/prometheus");
        assertThat(binary).as("the Debian package prometheus (.ci/run installs it)").isExecutable();
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort,
                "--log.level=warn").redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        cluster.awaitOutput("Framegrid standalone ready", Duration.ofSeconds(180));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        CoordinatorExtension.deleteRecursively(dir);
    }

    @Test
    void everyDashboardQueryRecordingRuleAndAlertSignalReturnsDataWhileJobsRun() throws Exception {
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:" + launch.port("coordinator.grpc.port"))
                .build()) {
            client.identity().register(RegisterRequest.newBuilder().setEmail("ops@example.com").setUsername("ops")
                    .setPassword("Sup3rSecret").build());
            FramegridClient user = client.withBearerToken(client.identity().login("ops", "Sup3rSecret").getAccessToken());
            byte[] jpeg = Files.readAllBytes(SharedFiles.media("images/person.jpg"));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> user.inference().detect("hog-people", jpeg).getModelId().equals("hog-people"));

            // A product's job through its own surface (C, the reframer): its job types show on the per-product panels.
            String reframerJob = reframe(SharedFiles.media("vtest.avi"));

            // Load while Prometheus scrapes: no-op jobs, two-stage test jobs that hold leases, a cancelled one,
            // a detection, and HTTP requests answered 2xx and 4xx on the detection surface.
            AtomicInteger round = new AtomicInteger();
            List<Throwable> loadErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            load.scheduleWithFixedDelay(() -> {
                try {
                    int n = round.incrementAndGet();
                    user.jobs().submit("noop", Map.of());
                    user.jobs().submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2", "work_ms", "400"));
                    if (n % 5 == 0) {
                        Job doomed = user.jobs().submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "1", "work_ms", "5000"));
                        user.jobs().cancel(doomed.getJobId());
                        user.inference().detect("hog-people", jpeg);
                    }
                    HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + launch.port("gateway.detection.port")
                            + "/api/detection/list")).GET().build(), HttpResponse.BodyHandlers.discarding());
                } catch (Exception | AssertionError e) {
                    loadErrors.add(e);
                }
            }, 0, 200, TimeUnit.MILLISECONDS);

            Map<String, String> queries = new LinkedHashMap<>();
            FILES.dashboardQueries().forEach((panel, expr) ->
                    queries.put("dashboard " + panel, Monitoring.forPrometheus(expr, "30s")));
            FILES.recordingRules().forEach((name, expr) -> queries.put("recording rule " + name, expr));
            FILES.alerts().forEach((name, expr) -> queries.put("alert " + name, Monitoring.signal(expr)));
            List<String> empty = new ArrayList<>();
            await("every query to return data").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        empty.clear();
                        for (Map.Entry<String, String> q : queries.entrySet()) {
                            if (query(q.getValue()).isEmpty()) {
                                empty.add(q.getKey() + ": " + q.getValue());
                            }
                        }
                        assertThat(empty).as("queries without data").isEmpty();
                    });
            assertThat(loadErrors).as("load errors").isEmpty();

            // Prometheus evaluated every rule without an error.
            JsonNode rules = get("/api/v1/rules");
            int evaluated = 0;
            for (JsonNode group : rules.get("data").get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                    assertThat(rule.get("health").asText()).as(rule.get("name") + " " + rule.path("lastError"))
                            .isEqualTo("ok");
                    evaluated++;
                }
            }
            assertThat(evaluated).isEqualTo(FILES.recordingRules().size() + FILES.alerts().size());
            // The standalone JVM is the one target, up; the roles' families come from one endpoint.
            assertThat(query("up{job=\"framegrid-standalone\"} == 1")).hasSize(1);
            // A cancel counts when its transaction commits; Prometheus sees it at its next scrape.
            await("cancelled and completed jobs counted").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                        assertThat(query("sum(framegrid_jobs_finished_total{type=\"" + TestJobs.WRITE_OUTPUTS
                                + "\", outcome=\"cancelled\"})")).isNotEmpty();
                        assertThat(query("sum(framegrid_jobs_finished_total{type=\"noop\", outcome=\"completed\"}) > 5"))
                                .isNotEmpty();
                    });
            assertThat(reframerJob).isNotEmpty();
            await("the reframer's jobs on the per-product panel").atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(query(Monitoring.forPrometheus(
                            FILES.dashboardQueries().get("Jobs finished /min by product and outcome / A"), "30s")))
                            .extracting(r -> r.get("metric").path("product").asText()).contains("reframer", "test", "noop"));
        } finally {
            load.shutdownNow();
            load.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Registers a reframer key and uploads {@code video} for a short analysis ({@code POST /process}); its job id. */
    private static String reframe(Path video) throws Exception {
        String base = "http://127.0.0.1:" + launch.port("gateway.reframer.port");
        HttpResponse<String> registered = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/register"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"ops-reframer@example.com\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        String key = JSON.readTree(registered.body()).get("api_key").asText();
        String boundary = "framegrid-scrape-test";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + video.getFileName() + "\"\r\nContent-Type: video/x-msvideo\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(video));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> queued = HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/process?max_frames=30&sample_every=10")).header("X-API-Key", key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(queued.statusCode()).as(queued.body()).isEqualTo(200);
        return JSON.readTree(queued.body()).get("job_id").asText();
    }

    private static List<JsonNode> query(String promql) throws Exception {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertThat(answer.get("status").asText()).as(promql + " -> " + answer).isEqualTo("success");
        List<JsonNode> out = new ArrayList<>();
        answer.get("data").get("result").forEach(out::add);
        return out;
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + prometheusPort + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " -> " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
