package io.framegrid.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.testing.MutableClock;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.gateway.http.Json;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.Test;

/**
 * A full restart of grid node, coordinator and gateway on the same data directory keeps the studio's credits,
 * jobs (with their charges), results and purchases: the balance, the job list and details, the result's bytes and
 * a replayed purchase's answer are the same after it, and the replay charges nothing.
 */
class StudioRestartTest {
    private static final String B = "studio";
    private final HttpClient http = GatewayExtension.testHttpClient();

    /** One run of the cluster over {@code config}'s data directory. */
    private static final class Cluster implements AutoCloseable {
        final Ignite ignite;
        final CoordinatorServer coordinator;
        final FramegridClient client;
        final GatewayServer gateway;
        final MutableClock clock = new MutableClock();

        Cluster(FramegridConfig config) {
            Telemetry telemetry = new Telemetry(new PrometheusRegistry());
            ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                    .startServer("coordinator", Map.of());
            coordinator = new CoordinatorServer(ignite, config, telemetry, clock).start();
            client = FramegridClient.builder("127.0.0.1:" + coordinator.port()).build();
            gateway = new GatewayServer(config.gateway(), telemetry, client, false, Clock.systemUTC()).start();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + gateway.port(B) + path);
        }

        @Override
        public void close() {
            gateway.close();
            client.close();
            coordinator.close();
            ignite.close();
        }
    }

    private JsonNode call(Cluster c, HttpRequest.Builder request, String token, int status) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
    }

    private JsonNode post(Cluster c, String path, String json, String token, int status, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return call(c, b, token, status);
    }

    private JsonNode get(Cluster c, String path, String token) throws Exception {
        return call(c, HttpRequest.newBuilder(c.uri(path)).GET(), token, 200);
    }

    private String login(Cluster c, String email) throws Exception {
        return post(c, "/api/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}", null, 200)
                .get("access_token").asText();
    }

    @Test
    void aFullRestartKeepsCreditsJobsResultsAndPurchases() throws Exception {
        Path dataDir = Files.createTempDirectory("framegrid-studio-restart");
        FramegridConfig config = FramegridConfig.from(IsolatedSettings.builder(dataDir, "studio-restart-" + UUID.randomUUID())
                .set("identity.admin.password", "AdminPass123").set("gateway.host", "127.0.0.1").build());
        String email = "restart-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String purchase = "{\"package\":\"starter_100\",\"payment_method\":\"stripe\"}";
        String doneId;
        String waitingId;
        String txn;
        String resultPath;
        byte[] resultBytes = "the video without its text".getBytes(StandardCharsets.UTF_8);
        try {
            try (Cluster c = new Cluster(config)) {
                post(c, "/api/v1/auth/register", "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}", null, 201);
                String token = login(c, email);
                txn = post(c, "/api/v1/users/purchase-credits", purchase, token, 200, "Idempotency-Key", "k-1")
                        .get("transaction_id").asText();
                FramegridClient user = c.client.withBearerToken(token);
                Media input = user.mediaAsync().upload(UploadHeader.newBuilder().setFilename("in.mp4").build(),
                        new ByteArrayInputStream("input".getBytes(StandardCharsets.UTF_8))).join();
                StudioClient studio = user.product(StudioClient.class);
                StudioJob done = studio.submitAsync(SubmitStudioJobRequest.newBuilder()
                        .setJobType(StudioContract.PRO_SYNC).setInputMediaId(input.getMediaId())
                        .setDurationSeconds(30).build()).join();
                StudioJob waiting = studio.submitAsync(SubmitStudioJobRequest.newBuilder()
                        .setJobType(StudioContract.PRO_SYNC).setInputMediaId(input.getMediaId())
                        .setDurationSeconds(10).build()).join();
                doneId = done.getJob().getJobId();
                waitingId = waiting.getJob().getJobId();
                Media result = user.mediaAsync().upload(UploadHeader.newBuilder().setFilename("out.mp4").build(),
                        new ByteArrayInputStream(resultBytes)).join();
                JobLedger worker = new JobLedger(c.ignite, config.jobs(), c.clock);
                TaskState task = worker.lease(JobLedger.taskId(doneId, 0, 0), "node").orElseThrow();
                worker.commit(task.getTaskId(), "node", task.getFence(),
                        new TaskCommit(new byte[0], List.of(result.getMediaId()), 0, List.of()));
                JsonNode detail = get(c, "/api/v1/jobs/" + doneId, token);
                assertThat(detail.get("status").asText()).isEqualTo("completed");
                resultPath = detail.get("result_url").asText().replaceFirst("^http://[^/]+", "");
                // 100 + 100 bought - 30 - 10.
                assertThat(get(c, "/api/v1/users/credits", token).get("credits").asInt()).isEqualTo(160);
            }

            try (Cluster c = new Cluster(config)) {
                String token = login(c, email);
                assertThat(get(c, "/api/v1/users/credits", token).get("credits").asInt()).isEqualTo(160);
                JsonNode page = get(c, "/api/v1/jobs", token);
                assertThat(page.get("total").asInt()).isEqualTo(2);
                JsonNode done = get(c, "/api/v1/jobs/" + doneId, token);
                assertThat(done.get("status").asText()).isEqualTo("completed");
                assertThat(done.get("credits_used").asInt()).isEqualTo(30);
                assertThat(done.get("result_size_bytes").asInt()).isEqualTo(resultBytes.length);
                HttpResponse<byte[]> bytes = http.send(HttpRequest.newBuilder(c.uri(resultPath))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(bytes.statusCode()).isEqualTo(200);
                assertThat(bytes.body()).isEqualTo(resultBytes);
                // The second job was admitted when the first completed, and still holds its 10 credits.
                JsonNode waiting = get(c, "/api/v1/jobs/" + waitingId, token);
                assertThat(waiting.get("status").asText()).isEqualTo("processing");
                assertThat(waiting.get("credits_reserved").asInt()).isEqualTo(10);
                // A replayed purchase answers the first one and charges nothing.
                JsonNode replay = post(c, "/api/v1/users/purchase-credits", purchase, token, 200, "Idempotency-Key", "k-1");
                assertThat(replay.get("transaction_id").asText()).isEqualTo(txn);
                assertThat(replay.get("replayed").asBoolean()).isTrue();
                assertThat(get(c, "/api/v1/users/credits", token).get("credits").asInt()).isEqualTo(160);
            }
        } finally {
            CoordinatorExtension.deleteRecursively(dataDir);
        }
    }
}
