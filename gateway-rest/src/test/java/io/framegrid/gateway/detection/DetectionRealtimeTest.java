package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /ws/detection} with a real WebSocket client (java.net.http, its own connection) against a real coordinator,
 * gateway and gpu-node (YOLOX-Nano on the CPU): authentication, every frame answered in order or reported dropped,
 * drop-oldest under overload, bad frames answered with errors on a socket that stays open. No timing assertions.
 */
class DetectionRealtimeTest {
    private static final String E = "detection";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of()).withGpuNode();

    private static String frame;

    @BeforeAll
    static void prepare() throws Exception {
        frame = "{\"type\":\"frame\",\"data\":\"" + Base64.getEncoder().encodeToString(
                Files.readAllBytes(SharedFiles.media("images/dog.jpg"))) + "\"}";
        // The coordinator routes inference to nodes it has seen advertise the model.
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.get(E, "/api/models", auth(user())).response()
                .body().contains("yolox-nano"));
    }

    /** One client socket and what it received, message by message. */
    static final class Client implements WebSocket.Listener {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        volatile Integer closeCode;
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new AssertionError("not JSON: " + partial, e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode = statusCode;
            return null;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        List<JsonNode> of(String type) {
            return messages.stream().filter(m -> m.path("type").asText().equals(type)).toList();
        }
    }

    private static Client open(String query, String... headers) {
        Client client = new Client();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        client.socket = builder.buildAsync(wsUri(query), client).join();
        return client;
    }

    private static URI wsUri(String query) {
        URI http = gateway.uri(E, "/ws/detection" + query);
        return URI.create("ws://" + http.getHost() + ":" + http.getPort() + http.getRawPath()
                + (http.getRawQuery() == null ? "" : "?" + http.getRawQuery()));
    }

    @Test
    void theTokenComesAsQueryHeaderOrSubprotocolAndABadOneIsRefused() {
        String token = user();
        for (String q : List.of("", "?token=not.a.jwt")) {
            assertThatThrownBy(() -> HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(wsUri(q), new Client()).join()).hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(401));
        }
        List<Client> clients = new ArrayList<>(List.of(open("?token=" + token),
                open("", "Authorization", "Bearer " + token)));
        Client viaProtocol = new Client();
        viaProtocol.socket = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("bearer", token)
                .buildAsync(wsUri(""), viaProtocol).join();
        assertThat(viaProtocol.socket.getSubprotocol()).isEqualTo("bearer");
        clients.add(viaProtocol);
        for (Client c : clients) {
            c.send(frame);
            await().atMost(Duration.ofSeconds(30)).until(() -> !c.of("detection").isEmpty());
            JsonNode d = c.of("detection").get(0);
            assertThat(d.get("frame_id").asLong()).isZero();
            assertThat(d.get("dropped").asLong()).isZero();
            assertThat(d.get("latency_ms").asDouble()).isPositive();
            List<String> classes = new ArrayList<>();
            for (JsonNode o : d.get("data").get("detected_objects")) {
                classes.add(o.get("class").asText());
                assertThat(o.get("bbox")).hasSize(4);
                assertThat(o.get("confidence").asDouble()).isGreaterThanOrEqualTo(0.5);
            }
            assertThat(classes).contains("dog");
            c.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
        }
    }

    @Test
    void eightSocketsAtTenFramesASecondGetEveryFrameAnsweredInOrderOrReportedDropped() throws Exception {
        String token = user();
        int sockets = 8;
        int frames = 10;
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < sockets; i++) {
            clients.add(open("?token=" + token));
        }
        ScheduledExecutorService pace = Executors.newScheduledThreadPool(sockets);
        try {
            List<ScheduledFuture<?>> senders = new ArrayList<>();
            for (Client c : clients) {
                AtomicInteger sent = new AtomicInteger();
                ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
                senders.add(self[0] = pace.scheduleAtFixedRate(() -> {
                    if (sent.getAndIncrement() < frames) {
                        c.send(frame);
                    }
                }, 0, 100, TimeUnit.MILLISECONDS));
            }
            // The newest frame is never the one dropped, so every socket's last frame is answered.
            await().atMost(Duration.ofSeconds(120)).until(() -> clients.stream().allMatch(c -> {
                List<JsonNode> d = c.of("detection");
                return !d.isEmpty() && d.get(d.size() - 1).get("frame_id").asInt() == frames - 1;
            }));
            senders.forEach(s -> s.cancel(false));
        } finally {
            pace.shutdownNow();
        }
        for (Client c : clients) {
            assertAnsweredInOrderOrDropped(c, frames);
            assertThat(c.of("error")).isEmpty();
        }
    }

    @Test
    void framesFasterThanTheDetectorDropTheOldestAndSaySo() {
        double answeredBefore = frames("answered");
        double droppedBefore = frames("dropped");
        Client c = open("?token=" + user());
        int frames = 40;
        for (int i = 0; i < frames; i++) {
            c.send(frame);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<JsonNode> d = c.of("detection");
            return !d.isEmpty() && d.get(d.size() - 1).get("frame_id").asInt() == frames - 1;
        });
        long dropped = assertAnsweredInOrderOrDropped(c, frames);
        // 40 frames at once against a queue of 2 and a 30 frames/s cap: most of them cannot be waited for.
        assertThat(dropped).isGreaterThan(0);
        // The dropped count only grows along the socket.
        List<Long> counts = c.of("detection").stream().map(m -> m.get("dropped").asLong()).toList();
        assertThat(counts).isSorted();
        assertThat(c.closeCode).isNull();
        // The gateway's metrics tell operators the same story as the socket told its client.
        assertThat(frames("answered") - answeredBefore).isEqualTo(frames - dropped);
        assertThat(frames("dropped") - droppedBefore).isEqualTo(dropped);
    }

    /** {@code framegrid_detection_realtime_frames_total{outcome}} as the gateway's {@code /metrics} would serve it. */
    private static double frames(String outcome) {
        return gateway.coordinator().telemetry().registry().scrape().stream()
                .filter(m -> m.getMetadata().getName().equals("framegrid_detection_realtime_frames"))
                .flatMap(m -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> outcome.equals(d.getLabels().get("outcome")))
                .mapToDouble(d -> d.getValue()).sum();
    }

    @Test
    void aBadFrameGetsAnErrorAndTheSocketStaysOpen() {
        Client c = open("?token=" + user());
        c.send("not json");
        c.send("{\"type\":\"hello\"}");
        c.send("{\"type\":\"frame\",\"data\":\"%%%\"}");
        c.send("{\"type\":\"frame\",\"data\":\"" + Base64.getEncoder().encodeToString("plain text".getBytes()) + "\"}");
        c.send("{\"type\":\"frame\",\"data\":\"" + Base64.getEncoder().encodeToString(
                DetectionJobsTest.pngHeader(100_000, 100_000)) + "\"}");
        c.send(frame);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.of("detection").size() == 1 && c.of("error").size() == 5);
        List<JsonNode> errors = c.of("error");
        assertThat(errors).extracting(e -> e.get("error").get("code").asText()).containsExactly("INVALID_JSON",
                "INVALID_MESSAGE", "INVALID_FRAME", "INVALID_FRAME", "IMAGE_TOO_LARGE");
        assertThat(errors.get(2).get("frame_id").asInt()).isZero();
        assertThat(errors.get(3).get("frame_id").asInt()).isEqualTo(1);
        assertThat(errors.get(4).get("frame_id").asInt()).isEqualTo(2);
        assertThat(errors).allMatch(e -> !e.get("error").get("message").asText().isBlank());
        assertThat(c.of("detection").get(0).get("frame_id").asInt()).isEqualTo(3);
        assertThat(c.closeCode).isNull();
    }

    /** Answered frame ids strictly increase, and answered + dropped (as last reported) account for every frame. */
    private static long assertAnsweredInOrderOrDropped(Client c, int frames) {
        List<JsonNode> answers = c.of("detection");
        List<Integer> ids = answers.stream().map(m -> m.get("frame_id").asInt()).toList();
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i)).as("frame ids in order: %s", ids).isGreaterThan(ids.get(i - 1));
        }
        long dropped = answers.get(answers.size() - 1).get("dropped").asLong();
        assertThat(ids.size() + dropped).as("answered %s, dropped %d", ids, dropped).isEqualTo(frames);
        return dropped;
    }

    private static String[] auth(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    private static String user() {
        String name = "rt" + UUID.randomUUID().toString().substring(0, 8);
        Reply reg = gateway.postJson(E, "/api/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + name + "@example.com\",\"password\":\"Detect123!\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        return gateway.postJson(E, "/api/auth/login", "{\"username\":\"" + name + "\",\"password\":\"Detect123!\"}")
                .json().get("token").asText();
    }
}
