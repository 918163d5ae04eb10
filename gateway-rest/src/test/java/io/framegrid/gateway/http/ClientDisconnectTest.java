package io.framegrid.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A client that hangs up in the middle of its request body is not a server error: nothing logged at ERROR (nor a
 * gateway or Armeria WARN), no 5xx counted.
 */
class ClientDisconnectTest {
    private static final String BOUNDARY = "----framegriddisconnect";

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void release() {
        root.detachAppender(logged);
    }

    @Test
    void studioChunkUploadCutShortIsNotAnError() throws IOException {
        String email = "gone-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        gw.postJson("studio", "/api/v1/auth/register", "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}");
        String token = gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}").json().get("access_token").asText();
        Reply init = gw.postJson("studio", "/api/v1/chunked-upload/init",
                "{\"filename\":\"a.mp4\",\"total_size\":2000000,\"chunk_size\":1000000}", "Authorization", "Bearer " + token);
        assertThat(init.status()).as(init.toString()).isEqualTo(201);
        String route = "/api/v1/chunked-upload/chunk/";
        double before = completed("studio", route);
        hangUpMidBody("studio", "/api/v1/chunked-upload/chunk/" + init.json().get("upload_id").asText(),
                "Authorization: Bearer " + token, "chunk", "a.bin");
        await().atMost(Duration.ofSeconds(20)).until(() -> completed("studio", route) > before);
        assertNoServerError("studio", route);
    }

    @Test
    void reframerUploadCutShortIsNotAnError() throws IOException {
        String email = "gone-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String key = gw.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}").json().get("api_key").asText();
        double before = completed("reframer", "/process");
        hangUpMidBody("reframer", "/process", "X-API-Key: " + key, "file", "clip.mp4");
        await().atMost(Duration.ofSeconds(20)).until(() -> completed("reframer", "/process") > before);
        assertNoServerError("reframer", "/process");
    }

    private void assertNoServerError(String surface, String route) {
        List<ILoggingEvent> problems = new ArrayList<>();
        for (ILoggingEvent event : logged.list) {
            boolean http = event.getLoggerName().startsWith("io.framegrid.gateway")
                    || event.getLoggerName().startsWith("com.linecorp.armeria");
            if (event.getLevel().isGreaterOrEqual(Level.ERROR) || http && event.getLevel().isGreaterOrEqual(Level.WARN)) {
                problems.add(event);
            }
        }
        assertThat(problems).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        assertThat(statuses(surface, route)).noneMatch(status -> status.startsWith("5"));
    }

    /** Sends the headers and the first 64 KiB of a 1 MiB multipart body, then closes the connection. */
    private static void hangUpMidBody(String surface, String path, String credentials, String field, String filename)
            throws IOException {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", gw.uri(surface, "/").getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials
                    + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                    + "\r\nContent-Length: " + (head.length + (1 << 20)) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(head);
            out.write(new byte[64 << 10]);
            out.flush();
        }
    }

    private static double completed(String surface, String route) {
        return points(surface, route).stream().mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    private static List<String> statuses(String surface, String route) {
        return points(surface, route).stream().map(p -> p.getLabels().get("status")).toList();
    }

    /** The request counts of {@code surface}'s routes whose pattern starts with {@code route}. */
    private static List<CounterSnapshot.CounterDataPointSnapshot> points(String surface, String route) {
        List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
        for (MetricSnapshot metric : gw.coordinator().telemetry().registry().scrape()) {
            if (metric instanceof CounterSnapshot counter && metric.getMetadata().getName().equals("framegrid_http_requests")) {
                for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
                    if (surface.equals(point.getLabels().get("surface")) && point.getLabels().get("route").startsWith(route)) {
                        points.add(point);
                    }
                }
            }
        }
        return points;
    }
}
