package io.framegrid.coordinator.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookDelivery;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.detection.DetectionClient;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outgoing webhooks against a local receiver (the JDK's HttpServer on loopback): a record landing in history is
 * POSTed, signed, to each of its owner's webhooks; failures are retried with backoff up to the attempt limit, and
 * every outcome is listed.
 */
class DetectionWebhooksTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(
            "gateway.detection.webhook-backoff", "50ms", "gateway.detection.webhook-max-attempts", 3,
            "gateway.detection.enginelabs-secret", "enginelabs-shared-secret"),
            new InProcessTransport());

    private static final String SECRET = "a-secret-of-some-length";
    private static final String ENGINELABS_SECRET = "enginelabs-shared-secret";
    private static HttpServer receiver;
    private static final List<Received> received = new CopyOnWriteArrayList<>();
    /** How many more requests the receiver answers with 500 before it answers 200. */
    private static final AtomicInteger failuresLeft = new AtomicInteger();

    record Received(String path, Map<String, List<String>> headers, byte[] body) {}

    @BeforeAll
    static void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/artifacts/", exchange -> {
            byte[] onnx = java.nio.file.Files.readAllBytes(io.framegrid.config.local.SharedFiles.models()
                    .resolve("yolox_nano.onnx"));
            exchange.sendResponseHeaders(200, onnx.length);
            exchange.getResponseBody().write(onnx);
            exchange.close();
        });
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders(), body));
            int status = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop(0);
    }

    private record User(String id, DetectionClient client) {}

    private static User user() {
        String name = "wh" + UUID.randomUUID().toString().substring(0, 8);
        String id = cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Detect1234").build()).getUserId();
        String token = cluster.client().identity().login(name + "@example.com", "Detect1234").getAccessToken();
        return new User(id, cluster.client().withBearerToken(token).product(DetectionClient.class));
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private static DetectionRecord complete(String owner) {
        DetectionRecord r = DetectionRecord.newBuilder().setDetectionId(UUID.randomUUID().toString()).setOwnerId(owner)
                .setCreatedMs(System.currentTimeMillis()).setModelId("yolox-nano").setImageWidth(640)
                .setImageHeight(480).addObjects(DetectedObject.newBuilder().setClassName("dog").setConfidence(0.9f)
                        .setX(1).setY(2).setWidth(30).setHeight(40)).build();
        cluster.ignite().<String, byte[]>cache(CacheNames.DETECTION_HISTORY).put(r.getDetectionId(), r.toByteArray());
        return r;
    }

    private static FramegridException failure(CompletableFuture<?> call) {
        try {
            call.join();
        } catch (CompletionException e) {
            return (FramegridException) e.getCause();
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    @Test
    void aCompletedDetectionIsDeliveredSignedAndRetriedUntilAccepted() {
        User u = user();
        Webhook w = u.client().registerWebhookAsync(url("/hooks/ok"), SECRET).join();
        assertThat(w.getSecret()).isEmpty();
        assertThat(w.getEventsList()).containsExactly("detection.completed");
        failuresLeft.set(2);
        DetectionRecord r = complete(u.id());

        await().atMost(Duration.ofSeconds(20)).until(() -> u.client().deliveriesAsync(w.getWebhookId()).join()
                .getDeliveriesList().stream().anyMatch(d -> d.getOutcome().equals("delivered")));
        WebhookDelivery d = u.client().deliveriesAsync(w.getWebhookId()).join().getDeliveries(0);
        assertThat(d.getAttempts()).isEqualTo(3);
        assertThat(d.getLastStatus()).isEqualTo(204);
        assertThat(d.getDetectionId()).isEqualTo(r.getDetectionId());

        List<Received> mine = received.stream().filter(x -> x.path().equals("/hooks/ok")
                && new String(x.body(), StandardCharsets.UTF_8).contains(r.getDetectionId())).toList();
        assertThat(mine).hasSize(3);
        for (Received x : mine) {
            String signature = x.headers().get("X-framegrid-signature").get(0);
            String t = signature.substring(2, signature.indexOf(','));
            String v1 = signature.substring(signature.indexOf("v1=") + 3);
            assertThat(v1).isEqualTo(WebhookSignature.hmacHex(SECRET, (t + ".").getBytes(StandardCharsets.UTF_8),
                    x.body()));
            assertThat(WebhookSignature.hmacHex("another-secret-entirely", (t + ".").getBytes(StandardCharsets.UTF_8),
                    x.body())).isNotEqualTo(v1);
            assertThat(x.headers().get("X-framegrid-event")).containsExactly("detection.completed");
            assertThat(x.headers().get("X-framegrid-delivery")).containsExactly(d.getDeliveryId());
        }
        String body = new String(mine.get(0).body(), StandardCharsets.UTF_8);
        assertThat(body).contains("\"event\":\"detection.completed\"").contains("\"class\":\"dog\"")
                .contains("\"bbox\":[1,2,30,40]");
    }

    @Test
    void aReceiverThatNeverAnswersEndsFailedAfterTheLastAttempt() throws Exception {
        User u = user();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Webhook w = u.client().registerWebhookAsync("http://127.0.0.1:" + closedPort + "/gone", SECRET).join();
        complete(u.id());
        await().atMost(Duration.ofSeconds(20)).until(() -> u.client().deliveriesAsync(w.getWebhookId()).join()
                .getDeliveriesList().stream().anyMatch(d -> d.getOutcome().equals("failed")));
        WebhookDelivery d = u.client().deliveriesAsync(w.getWebhookId()).join().getDeliveries(0);
        assertThat(d.getAttempts()).isEqualTo(3);
        assertThat(d.getLastStatus()).isZero();
        assertThat(d.getLastError()).isNotBlank();
    }

    @Test
    void webhooksAreValidatedAndPerUser() {
        User u = user();
        User other = user();
        for (String bad : List.of("ftp://example.com/x", "not a url", "/relative")) {
            FramegridException e = failure(u.client().registerWebhookAsync(bad, SECRET));
            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.reason()).isEqualTo("INVALID_URL");
        }
        assertThat(failure(u.client().registerWebhookAsync(url("/x"), "short")).reason()).isEqualTo("INVALID_SECRET");
        Webhook w = u.client().registerWebhookAsync(url("/mine"), SECRET).join();
        assertThat(u.client().webhooksAsync().join().getWebhooksList()).extracting(Webhook::getWebhookId)
                .containsExactly(w.getWebhookId());
        assertThat(other.client().webhooksAsync().join().getWebhooksList()).isEmpty();
        assertThat(failure(other.client().deliveriesAsync(w.getWebhookId())).code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(other.client().deleteWebhookAsync(w.getWebhookId())).code())
                .isEqualTo(Status.Code.NOT_FOUND);
        // Another user's completed detection reaches none of this user's webhooks.
        int before = received.size();
        complete(other.id());
        u.client().deleteWebhookAsync(w.getWebhookId()).join();
        assertThat(u.client().webhooksAsync().join().getWebhooksList()).isEmpty();
        assertThat(received.stream().skip(before).filter(x -> x.path().equals("/mine"))).isEmpty();
    }

    // ---- incoming enginelabs notifications ----------------------------------------------------------------

    private static io.framegrid.proto.detection.v1.IntegrationNotification trained(String id, String secret,
            long unixSeconds) {
        String body = "{\"event\":\"model.trained\",\"model\":{\"id\":\"" + id + "\"}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return io.framegrid.proto.detection.v1.IntegrationNotification.newBuilder()
                .setBody(com.google.protobuf.ByteString.copyFrom(bytes)).setEvent("model.trained")
                .setSignature("t=" + unixSeconds + ",v1=" + WebhookSignature.hmacHex(secret,
                        (unixSeconds + ".").getBytes(StandardCharsets.UTF_8), bytes))
                .setArtifactUrl(url("/artifacts/" + id + ".onnx"))
                .setModel(io.framegrid.proto.detection.v1.AddedModel.newBuilder().setModelId(id).setName("Trained")
                        .setVersion("7").setDecoding("yolox").setInputWidth(416).setInputHeight(416)
                        .addAllClasses(List.of("a", "b"))).build();
    }

    @Test
    void aSignedTrainingNotificationRegistersTheTrainedModel() throws Exception {
        DetectionClient anonymous = cluster.client().product(DetectionClient.class);
        long now = System.currentTimeMillis() / 1000;
        for (var bad : List.of(trained("m-bad", "wrong-secret-of-some-length", now),
                trained("m-old", ENGINELABS_SECRET, now - 3600),
                trained("m-tampered", ENGINELABS_SECRET, now).toBuilder()
                        .setBody(com.google.protobuf.ByteString.copyFromUtf8("{}")).build())) {
            FramegridException e = failure(anonymous.notifyIntegrationAsync(bad));
            assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.reason()).isEqualTo("INVALID_SIGNATURE");
        }
        var outcome = anonymous.notifyIntegrationAsync(trained("trained-1", ENGINELABS_SECRET, now)).join();
        assertThat(outcome.getOutcome()).isEqualTo("registered");
        assertThat(outcome.getModelId()).isEqualTo("trained-1");
        var stored = io.framegrid.proto.detection.v1.AddedModel.parseFrom(cluster.ignite().<String, byte[]>cache(
                CacheNames.DETECTION_MODELS).get("trained-1"));
        assertThat(stored.getSha256()).isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest
                .getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(
                        io.framegrid.config.local.SharedFiles.models().resolve("yolox_nano.onnx")))));
        assertThat(stored.getClassesList()).containsExactly("a", "b");
        assertThat(stored.getAddedBy()).isEqualTo("integration:enginelabs");
        // Another event is acknowledged and changes nothing.
        var other = trained("x", ENGINELABS_SECRET, now).toBuilder().setEvent("model.training_started").build();
        assertThat(anonymous.notifyIntegrationAsync(other).join().getOutcome()).isEqualTo("ignored");
    }
}
