package io.framegrid.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.studio.StudioFixtures.User;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.v1.StudioJob;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Socket.IO on the studio port with the spec's client options ({@code transports: ['websocket'], auth: {token}}),
 * through both reference clients: npm {@code socket.io-client@4} under node (installed into a scratch folder of
 * the build; skipped when npm is missing) and the Java {@code io.socket:socket.io-client} 2.1.2. Each sees a bad
 * and a missing token refused with {@code connect_error}, a foreign job's subscription refused with an
 * {@code error} event and nothing of it ever, and its own job's updates in order to completion. The test drives the
 * job through the fabric's ledger only after the client has shown the previous update, so the order is the grid's.
 */
class StudioSocketIoTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final StudioFixtures fx = new StudioFixtures(gw);

    private String url() {
        URI u = gw.uri("studio", "/");
        return "http://127.0.0.1:" + u.getPort();
    }

    /** A job of {@code owner} (admitted: enterprise) and one of another user. */
    private record Jobs(User owner, StudioJob mine, StudioJob foreign) {}

    private Jobs jobs() {
        User owner = fx.user("enterprise");
        User other = fx.user("enterprise");
        StudioJob mine = fx.submit(owner, fx.blob(owner, "mine.mp4", "input"), 5);
        StudioJob foreign = fx.submit(other, fx.blob(other, "theirs.mp4", "input"), 5);
        return new Jobs(owner, mine, foreign);
    }

    // ---- Java client -------------------------------------------------------------------------------------

    private Socket socket(Map<String, String> auth) {
        IO.Options options = IO.Options.builder().setTransports(new String[] {"websocket"}).setAuth(auth)
                .setReconnection(false).setForceNew(true).build();
        return IO.socket(URI.create(url()), options);
    }

    @Test
    void javaClientIsRefusedWithoutATokenAndGetsItsJobsUpdatesInOrder() throws Exception {
        for (Map<String, String> auth : List.of(Map.of("token", "not-a-token"), Map.<String, String>of())) {
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            Socket refused = socket(auth);
            refused.on(Socket.EVENT_CONNECT, a -> events.add("connect"));
            refused.on(Socket.EVENT_CONNECT_ERROR, a -> events.add("connect_error " + message(a)));
            refused.connect();
            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("connect_error Authentication failed");
            refused.close();
        }

        Jobs jobs = jobs();
        String mine = jobs.mine().getJob().getJobId();
        String foreign = jobs.foreign().getJob().getJobId();
        BlockingQueue<JSONObject> updates = new LinkedBlockingQueue<>();
        BlockingQueue<JSONObject> errors = new LinkedBlockingQueue<>();
        BlockingQueue<JSONObject> acks = new LinkedBlockingQueue<>();
        Socket socket = socket(Map.of("token", jobs.owner().token()));
        socket.on("job_update", a -> updates.add((JSONObject) a[0]));
        socket.on("error", a -> errors.add((JSONObject) a[0]));
        BlockingQueue<String> connected = new LinkedBlockingQueue<>();
        socket.on(Socket.EVENT_CONNECT, a -> connected.add("connect"));
        socket.on(Socket.EVENT_CONNECT_ERROR, a -> connected.add("connect_error " + message(a)));
        socket.connect();
        assertThat(connected.poll(20, TimeUnit.SECONDS)).isEqualTo("connect");
        try {
            socket.emit("subscribe_job", new Object[] {new JSONObject().put("job_id", foreign)},
                    a -> acks.add((JSONObject) a[0]));
            JSONObject refusal = errors.poll(20, TimeUnit.SECONDS);
            assertThat(refusal).isNotNull();
            assertThat(refusal.getString("job_id")).isEqualTo(foreign);
            assertThat(refusal.getString("code")).isEqualTo("JOB_NOT_FOUND");
            assertThat(acks.poll(20, TimeUnit.SECONDS).optBoolean("ok", false)).isFalse();

            socket.emit("subscribe_job", new Object[] {new JSONObject().put("job_id", mine)},
                    a -> acks.add((JSONObject) a[0]));
            assertThat(acks.poll(20, TimeUnit.SECONDS).getBoolean("ok")).isTrue();
            // First the current state, then each change, in order.
            JSONObject current = updates.poll(20, TimeUnit.SECONDS);
            assertThat(current.getString("job_id")).isEqualTo(mine);
            assertThat(current.getString("status")).isEqualTo("processing");
            assertThat(current.getInt("progress")).isZero();
            assertThat(current.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(current.has("message")).isTrue();

            StudioFixtures.Worker worker = fx.worker();
            TaskState task = worker.lease(mine);
            StudioFixtures.Worker theirs = fx.worker();
            TaskState foreignTask = theirs.lease(foreign);
            theirs.progress(foreignTask, 50, "Removing text");
            int last = 0;
            for (int p : new int[] {25, 70}) {
                worker.progress(task, p, "Removing text " + p);
                JSONObject u = next(updates, mine);
                assertThat(u.getString("status")).isEqualTo("processing");
                assertThat(u.getInt("progress")).isGreaterThan(last);
                assertThat(u.getString("message")).isEqualTo("Removing text " + p);
                last = u.getInt("progress");
            }
            // Unsubscribed: the next change is not pushed; subscribing again starts from the current state.
            socket.emit("unsubscribe_job", new Object[] {new JSONObject().put("job_id", mine)},
                    a -> acks.add((JSONObject) a[0]));
            assertThat(acks.poll(20, TimeUnit.SECONDS).getBoolean("ok")).isTrue();
            worker.progress(task, 80, "Removing text 80");
            socket.emit("subscribe_job", new Object[] {new JSONObject().put("job_id", mine)},
                    a -> acks.add((JSONObject) a[0]));
            assertThat(acks.poll(20, TimeUnit.SECONDS).getBoolean("ok")).isTrue();
            JSONObject resumed = next(updates, mine);
            assertThat(resumed.getString("message")).isEqualTo("Removing text 80");
            worker.complete(task, fx.blob(jobs.owner(), "out.mp4", "result").getMediaId());
            JSONObject done = next(updates, mine);
            assertThat(done.getString("status")).isEqualTo("completed");
            assertThat(done.getInt("progress")).isEqualTo(100);
            // The foreign job's progress never reached this user.
            theirs.complete(foreignTask, fx.blob(fx.user(), "x.mp4", "x").getMediaId());
            assertThat(updates).noneMatch(u -> u.getString("job_id").equals(foreign));
        } finally {
            socket.close();
        }
    }

    private static JSONObject next(BlockingQueue<JSONObject> updates, String jobId) throws InterruptedException {
        JSONObject u = updates.poll(20, TimeUnit.SECONDS);
        assertThat(u).as("a job_update within 20 s").isNotNull();
        assertThat(u.getString("job_id")).isEqualTo(jobId);
        return u;
    }

    private static String message(Object[] args) {
        Object e = args.length > 0 ? args[0] : null;
        if (e instanceof JSONObject o) {
            return o.optString("message");
        }
        return e instanceof Exception ex ? ex.getMessage() : String.valueOf(e);
    }

    // ---- npm socket.io-client@4 under node -------------------------------------------------------------

    /** node_modules with socket.io-client@4 in the build's scratch folder; installed once per clean build. */
    private static Path npmClient() throws Exception {
        Path dir = Paths.get("target", "npm-socketio").toAbsolutePath();
        if (Files.isDirectory(dir.resolve("node_modules/socket.io-client"))) {
            return dir;
        }
        Files.createDirectories(dir);
        Process install = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--silent",
                "socket.io-client@4").directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(install.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(install.exitValue()).as(log).isZero();
        return dir;
    }

    private static boolean onPath(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void npmClientIsRefusedWithoutATokenAndGetsItsJobsUpdatesInOrder() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "node and npm are needed for the reference JavaScript client");
        Path dir = npmClient();
        Path script = dir.resolve("socketio-client.js");
        try (InputStream in = getClass().getResourceAsStream("/studio/socketio-client.js")) {
            Files.write(script, in.readAllBytes());
        }
        Jobs jobs = jobs();
        String mine = jobs.mine().getJob().getJobId();
        String foreign = jobs.foreign().getJob().getJobId();
        Process node = new ProcessBuilder("node", script.toString(), url(), jobs.owner().token(), foreign, mine)
                .directory(dir.toFile()).redirectErrorStream(true).start();
        List<JsonNode> seen = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            JsonNode bad = line(lines, seen);
            assertThat(bad.get("event").asText()).isEqualTo("connect_error");
            assertThat(bad.get("label").asText()).isEqualTo("bad");
            assertThat(bad.get("message").asText()).isEqualTo("Authentication failed");
            JsonNode missing = line(lines, seen);
            assertThat(missing.get("event").asText()).isEqualTo("connect_error");
            assertThat(missing.get("label").asText()).isEqualTo("missing");
            assertThat(line(lines, seen).get("event").asText()).isEqualTo("connect");
            // The refusal arrives as an error event and as the acknowledgement.
            List<String> refusal = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                JsonNode e = line(lines, seen);
                assertThat(e.get("job_id").asText()).isEqualTo(foreign);
                refusal.add(e.get("event").asText() + " " + e.get("code").asText());
            }
            assertThat(refusal).containsExactlyInAnyOrder("error JOB_NOT_FOUND", "ack JOB_NOT_FOUND");
            // The subscription's ack and the current state, in either order.
            List<JsonNode> start = List.of(line(lines, seen), line(lines, seen));
            JsonNode current = start.stream().filter(e -> e.get("event").asText().equals("job_update")).findFirst()
                    .orElseThrow();
            assertThat(start.stream().anyMatch(e -> e.get("event").asText().equals("ack") && e.get("ok").asBoolean()))
                    .isTrue();
            assertThat(current.get("status").asText()).isEqualTo("processing");
            assertThat(current.get("progress").asInt()).isZero();

            StudioFixtures.Worker worker = fx.worker();
            TaskState task = worker.lease(mine);
            int last = 0;
            for (int p : new int[] {30, 60}) {
                worker.progress(task, p, "Processing segment " + p);
                JsonNode u = line(lines, seen);
                assertThat(u.get("event").asText()).isEqualTo("job_update");
                assertThat(u.get("job_id").asText()).isEqualTo(mine);
                assertThat(u.get("progress").asInt()).isGreaterThan(last);
                assertThat(u.get("message").asText()).isEqualTo("Processing segment " + p);
                last = u.get("progress").asInt();
            }
            worker.complete(task, fx.blob(jobs.owner(), "out.mp4", "result").getMediaId());
            JsonNode done = line(lines, seen);
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("progress").asInt()).isEqualTo(100);
            assertThat(done.get("timestamp").asText()).endsWith("Z");
        } finally {
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("node exits after the completed update").isTrue();
            node.destroy();
        }
        assertThat(node.exitValue()).as(seen.toString()).isZero();
        assertThat(seen).noneMatch(e -> e.get("event").asText().equals("job_update")
                && e.get("job_id").asText().equals(foreign));
    }

    private static JsonNode line(BufferedReader lines, List<JsonNode> seen) throws Exception {
        String l = lines.readLine();
        assertThat(l).as("node printed " + seen).isNotNull();
        JsonNode e = Json.MAPPER.readTree(l);
        seen.add(e);
        return e;
    }
}
