package io.framegrid.gateway.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface D end to end over HTTP: a real coordinator, a real gpu-node running the real COLMAP (CPU), the gateway with
 * its reference limits. One Herz-Jesu-P8 reconstruction at {@code low} is shared by the accuracy, download, log and
 * WebSocket assertions; the video path (P25 video → keyframes → reconstruction) is a second run.
 */
class ReconstructionJobsTest {
    static final String D = "reconstruction";
    static final String BOUNDARY = "----framegridreconstruction";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Generous per-user limits here: the reference ones are ReconstructionLimitsTest's. */
    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of(
            "gateway.reconstruction.requests-per-second", 1000, "gateway.reconstruction.colmap-requests-per-second", 100)).withGpuNode();

    private static final HttpClient http = GatewayExtension.testHttpClient();

    // ---- P8: images → reconstruction at low → figures, accuracy, downloads, logs, events -------------------------

    @Test
    void herzJesuP8AtLowRegistersTheViewsWhereTheGroundTruthHasThem() throws Exception {
        String token = user();
        long project = create(token, "Herz-Jesu P8");
        Path images = SharedFiles.root().resolve("media/multiview/herz-jesu-p8/images");
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(images)) {
            s.filter(p -> p.toString().endsWith(".jpg")).sorted().forEach(files::add);
        }
        Reply up = uploadImages(token, project, files);
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
        assertThat(up.json().get("count").asInt()).isEqualTo(8);
        assertThat(get(token, "/api/v1/projects/" + project).json().get("total_frames").asInt()).isEqualTo(8);

        // A real WebSocket client, connected before the job starts.
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        WebSocket ws = socket(token, project, events);

        Reply started = post(token, "/api/v1/projects/" + project + "/start-reconstruction?quality=low");
        assertThat(started.status()).as(started.toString()).isEqualTo(200);
        String jobId = started.json().get("id").asText();
        assertThat(started.json().get("job_type").asText()).isEqualTo("reconstruction");
        JsonNode job = awaitJob(token, jobId, Duration.ofMinutes(5));
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");

        JsonNode meta = job.get("metadata");
        int registered = meta.get("registered_images").asInt();
        double error = meta.get("mean_reprojection_error_px").asDouble();
        assertThat(registered).isGreaterThanOrEqualTo(7);
        assertThat(error).isGreaterThan(0).isLessThan(1.0);
        assertThat(meta.get("points").asLong()).isGreaterThan(500);
        assertThat(meta.get("mesh_method").asText()).isEqualTo("poisson-sparse");
        assertThat(meta.get("note").asText()).contains("sparse points");

        JsonNode p = get(token, "/api/v1/projects/" + project).json();
        assertThat(p.get("status").asText()).isEqualTo("completed");
        assertThat(p.get("processed_frames").asInt()).isEqualTo(registered);
        assertThat(p.get("reconstruction_quality").asDouble())
                .isCloseTo((double) registered / 8 / (1 + error), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(p.get("processing_time").asDouble()).isPositive();

        // Camera centres against Strecha's ground truth after a similarity transform.
        var result = new io.framegrid.sdk.reconstruction.ReconstructionClient(
                gateway.coordinator().client().withBearerToken(token)).resultAsync(jobId).get();
        Map<String, double[]> gt = GroundTruth.centres(SharedFiles.root().resolve("media/multiview/herz-jesu-p8/gt_cameras"));
        List<double[]> est = new ArrayList<>();
        List<double[]> truth = new ArrayList<>();
        for (var img : result.getImagesList()) {
            est.add(new double[] {img.getCx(), img.getCy(), img.getCz()});
            truth.add(gt.get(img.getName()));
        }
        double[] fit = GroundTruth.similarityRms(est, truth);
        System.out.printf("P8 low: %d/8 registered, %.3f px, camera centre RMS %.4f m = %.3f %% of the scene's size "
                + "(%.2f m)%n", registered, error, fit[0], 100 * fit[0] / fit[1], fit[1]);
        assertThat(fit[0] / fit[1]).as("RMS of camera centres relative to the camera spread").isLessThan(0.02);

        // Downloads: PLY headers and vertex counts; HEAD and Range.
        for (String type : List.of("point_cloud", "mesh", "textured_mesh")) {
            HttpResponse<byte[]> d = download(token, project, type, null, "GET");
            assertThat(d.statusCode()).isEqualTo(200);
            Map<String, Long> header = ply(d.body());
            assertThat(header.get("vertex")).as(type).isPositive();
            if (!type.equals("point_cloud")) {
                assertThat(header.get("face")).as(type).isPositive();
            }
        }
        HttpResponse<byte[]> head = download(token, project, "mesh", null, "HEAD");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("accept-ranges")).hasValue("bytes");
        HttpResponse<byte[]> range = download(token, project, "mesh", "bytes=0-2", "GET");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(new String(range.body(), StandardCharsets.US_ASCII)).isEqualTo("ply");

        // Logs carry COLMAP's own output; the files list names every output.
        JsonNode logs = get(token, "/api/v1/jobs/" + jobId + "/logs").json().get("logs");
        assertThat(logs.toString()).contains("Registering image");
        JsonNode listed = get(token, "/api/v1/files/list/" + project).json().get("files");
        List<String> types = new ArrayList<>();
        listed.forEach(f -> types.add(f.get("file_type").asText()));
        assertThat(types).contains("image", "point_cloud", "mesh", "textured_mesh");

        // Every stage's workspace is gone once its task ended.
        try (var tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(tmp.map(f -> f.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("framegrid-colmap-" + jobId.replaceAll("[^A-Za-z0-9-]", "_")));
        }

        // Events in order: started, progress..., completed.
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> e.get("event").asText().equals("job_completed")));
        ws.abort();
        List<String> names = events.stream().filter(e -> e.get("job_id").asText().equals(jobId))
                .map(e -> e.get("event").asText()).toList();
        assertThat(names.get(0)).isEqualTo("job_started");
        assertThat(names.get(names.size() - 1)).isEqualTo("job_completed");
        assertThat(names.subList(1, names.size() - 1)).containsOnly("job_progress").isNotEmpty();
        List<Integer> progress = events.stream().filter(e -> e.get("job_id").asText().equals(jobId))
                .map(e -> e.get("progress").asInt()).toList();
        assertThat(progress).isSorted();
        assertThat(events.get(0).get("project_id").asLong()).isEqualTo(project);

        // Another user sees none of it.
        String other = user();
        assertThat(get(other, "/api/v1/projects/" + project).status()).isEqualTo(404);
        assertThat(get(other, "/api/v1/jobs/" + jobId).status()).isEqualTo(404);
        assertThat(download(other, project, "mesh", null, "GET").statusCode()).isEqualTo(404);

        // Deleting the project removes its files.
        Reply deleted = send(token, HttpRequest.newBuilder(gateway.uri(D, "/api/v1/projects/" + project)).DELETE());
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().get("files_deleted").asInt()).isGreaterThanOrEqualTo(8 + 3);
        assertThat(get(token, "/api/v1/projects/" + project).status()).isEqualTo(404);
        assertThat(download(token, project, "mesh", null, "GET").statusCode()).isEqualTo(404);
    }

    // ---- video: upload → keyframes → reconstruction -------------------------------------------------------

    @Test
    void theVideoPathRegistersMostOfItsKeyframes() throws Exception {
        String token = user();
        long project = create(token, "Herz-Jesu P25 video");
        byte[] video = Files.readAllBytes(SharedFiles.root().resolve("media/multiview/herz-jesu-p25.mp4"));
        Reply up = uploadVideo(token, project, "herz-jesu-p25.mp4", video);
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
        assertThat(up.json().get("message").asText()).isEqualTo("Video uploaded successfully");
        assertThat(up.json().get("file_size").asLong()).isEqualTo(video.length);
        assertThat(up.json().get("project_id").asLong()).isEqualTo(project);

        // Extraction needs the form's project_id; keyframes need no interval.
        Reply noInterval = gateway.postForm(D, "/api/v1/files/extract-frames", "project_id=" + project,
                "Authorization", "Bearer " + token);
        assertThat(noInterval.status()).isEqualTo(422);
        assertThat(noInterval.json().get("detail").get(0).get("loc").toString()).contains("interval");
        Reply extract = gateway.postForm(D, "/api/v1/files/extract-frames", "project_id=" + project
                + "&strategy=keyframes", "Authorization", "Bearer " + token);
        assertThat(extract.status()).as(extract.toString()).isEqualTo(200);
        JsonNode frames = awaitJob(token, extract.json().get("id").asText(), Duration.ofMinutes(2));
        assertThat(frames.get("status").asText()).as(frames.toString()).isEqualTo("completed");
        JsonNode p = get(token, "/api/v1/projects/" + project).json();
        int keyframes = p.get("total_frames").asInt();
        // 25 distinct views at 2 fps: every one moves the camera well past the parallax threshold.
        assertThat(keyframes).isBetween(10, 25);
        HttpResponse<byte[]> zip = download(token, project, "frames", null, "GET");
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.headers().firstValue("content-type")).hasValue("application/zip");
        int entries = 0;
        try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip.body()))) {
            while (in.getNextEntry() != null) {
                entries++;
            }
        }
        assertThat(entries).isEqualTo(keyframes);
        HttpResponse<byte[]> original = download(token, project, "video", null, "GET");
        assertThat(original.body()).isEqualTo(video);

        Reply started = post(token, "/api/v1/projects/" + project + "/start-reconstruction?quality=low");
        assertThat(started.status()).as(started.toString()).isEqualTo(200);
        JsonNode job = awaitJob(token, started.json().get("id").asText(), Duration.ofMinutes(6));
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
        int registered = job.get("metadata").get("registered_images").asInt();
        System.out.printf("P25 video: %d keyframes, %d registered, %.3f px%n", keyframes, registered,
                job.get("metadata").get("mean_reprojection_error_px").asDouble());
        assertThat(job.get("metadata").get("input_images").asInt()).isEqualTo(keyframes);
        assertThat(registered).isGreaterThanOrEqualTo((int) Math.ceil(0.8 * keyframes));

        JsonNode all = get(token, "/api/v1/jobs/project/" + project + "/status").json();
        assertThat(all.get("total").asInt()).isEqualTo(2);
        assertThat(get(token, "/api/v1/jobs?project_id=" + project + "&job_type=frame_extraction").json()).hasSize(1);
        assertThat(get(token, "/api/v1/jobs?project_id=" + project + "&status=completed").json()).hasSize(2);
        assertThat(get(token, "/api/v1/jobs?status=running").json()).isEmpty();
    }

    // ---- cancel: the job ends and no colmap process is left -------------------------------------------------

    @Test
    void cancellingAReconstructionLeavesNoColmapProcess() throws Exception {
        String token = user();
        long project = create(token, "cancelled");
        Path images = SharedFiles.root().resolve("media/multiview/herz-jesu-p8/images");
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(images)) {
            s.filter(p -> p.toString().endsWith(".jpg")).sorted().forEach(files::add);
        }
        assertThat(uploadImages(token, project, files).status()).isEqualTo(200);
        String jobId = post(token, "/api/v1/projects/" + project + "/start-reconstruction?quality=high")
                .json().get("id").asText();
        await().atMost(Duration.ofMinutes(1)).until(() -> colmapProcesses() > 0);
        Reply cancelled = post(token, "/api/v1/jobs/" + jobId + "/cancel");
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(2)).until(() -> colmapProcesses() == 0);
        assertThat(get(token, "/api/v1/projects/" + project).json().get("status").asText()).isEqualTo("draft");
        // A finished job cannot be cancelled again.
        assertThat(post(token, "/api/v1/jobs/" + jobId + "/cancel").status()).isEqualTo(400);
    }

    static long colmapProcesses() {
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("colmap")).orElse(false)).count();
    }

    // ---- projects and every error class ----------------------------------------------------------------------

    @Test
    void projectsAreTheCallersWithIntegerIdsAndFastApiErrors() throws Exception {
        String token = user();
        Reply created = gateway.postJson(D, "/api/v1/projects", "{\"name\":\"facade\",\"description\":\"d\"}",
                "Authorization", "Bearer " + token);
        assertThat(created.status()).isEqualTo(201);
        JsonNode p = created.json();
        assertThat(p.get("id").isIntegralNumber()).isTrue();
        assertThat(p.get("status").asText()).isEqualTo("draft");
        for (String f : List.of("total_frames", "processed_frames", "reconstruction_quality", "processing_time",
                "created_at", "updated_at", "description")) {
            assertThat(p.has(f)).as(f).isTrue();
        }
        long id = p.get("id").asLong();
        long second = create(token, "second");
        assertThat(second).isGreaterThan(id);

        Reply missing = gateway.postJson(D, "/api/v1/projects", "{\"description\":\"x\"}", "Authorization",
                "Bearer " + token);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().get("detail").get(0).get("loc").toString()).contains("name");
        assertThat(get(token, "/api/v1/projects").json()).hasSize(2);
        assertThat(get(token, "/api/v1/projects?skip=1&limit=1").json().get(0).get("id").asLong()).isEqualTo(second);
        assertThat(get(token, "/api/v1/projects?limit=abc").status()).isEqualTo(422);
        assertThat(get(token, "/api/v1/projects/abc").status()).isEqualTo(422);
        assertThat(get(token, "/api/v1/projects/999999").status()).isEqualTo(404);
        assertThat(gateway.get(D, "/api/v1/projects").status()).isEqualTo(401);

        Reply updated = gateway.putJson(D, "/api/v1/projects/" + id, "{\"name\":\"renamed\",\"status\":\"archived\"}",
                "Authorization", "Bearer " + token);
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.json().get("name").asText()).isEqualTo("renamed");
        assertThat(updated.json().get("status").asText()).isEqualTo("archived");
        assertThat(updated.json().get("description").asText()).isEqualTo("d");
        assertThat(gateway.putJson(D, "/api/v1/projects/" + id, "{\"status\":\"completed\"}", "Authorization",
                "Bearer " + token).status()).isEqualTo(422);

        String other = user();
        assertThat(get(other, "/api/v1/projects/" + id).status()).isEqualTo(404);
        assertThat(gateway.putJson(D, "/api/v1/projects/" + id, "{\"name\":\"x\"}", "Authorization",
                "Bearer " + other).status()).isEqualTo(404);
        assertThat(send(other, HttpRequest.newBuilder(gateway.uri(D, "/api/v1/projects/" + id)).DELETE()).status())
                .isEqualTo(404);
        assertThat(get(other, "/api/v1/files/list/" + id).status()).isEqualTo(404);

        // Uploads: wrong format 400, a file that is no video 400 (probed), a fake image 400, nothing kept.
        assertThat(uploadVideo(token, second, "notes.txt", "hello".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(400);
        Reply fake = uploadVideo(token, second, "fake.mp4", new byte[4096]);
        assertThat(fake.status()).as(fake.toString()).isIn(400, 422);
        Path txt = Files.createTempFile("not-an-image", ".jpg");
        Files.writeString(txt, "not a jpeg");
        assertThat(uploadImages(token, second, List.of(txt)).status()).isEqualTo(400);
        assertThat(get(token, "/api/v1/files/list/" + second).json().get("files")).isEmpty();
        Reply noProject = uploadImages(token, 0, List.of(txt));
        assertThat(noProject.status()).isEqualTo(422);
        assertThat(uploadImages(other, second, List.of(
                SharedFiles.root().resolve("media/multiview/herz-jesu-p8/images/0000.jpg"))).status()).isEqualTo(404);

        // A video declared past 500 MB is 413 before a byte of it is read.
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.uri(D, "/").getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("POST /api/v1/files/upload/video HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + token + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                    + "\r\nContent-Length: " + (600L << 20) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] buf = new byte[4096];
            int n = socket.getInputStream().read(buf);
            String reply = new String(buf, 0, Math.max(0, n), StandardCharsets.UTF_8);
            // The body may come in a later read; the status line is what this checks.
            assertThat(reply).startsWith("HTTP/1.1 413");
        }

        // Jobs need inputs; bad quality is 422; unknown files and jobs are 404.
        assertThat(post(token, "/api/v1/projects/" + second + "/start-reconstruction?quality=ultra").status())
                .isEqualTo(422);
        Reply noImages = post(token, "/api/v1/projects/" + second + "/start-reconstruction?quality=low");
        assertThat(noImages.status()).isEqualTo(400);
        assertThat(noImages.json().get("detail").asText()).contains("no images");
        assertThat(gateway.postForm(D, "/api/v1/files/extract-frames", "project_id=" + second + "&interval=1",
                "Authorization", "Bearer " + token).status()).isEqualTo(400);
        assertThat(gateway.postForm(D, "/api/v1/files/extract-frames", "project_id=" + second + "&interval=-1",
                "Authorization", "Bearer " + token).status()).isEqualTo(422);
        assertThat(download(token, second, "mesh", null, "GET").statusCode()).isEqualTo(404);
        assertThat(download(token, second, "nonsense", null, "GET").statusCode()).isEqualTo(422);
        assertThat(get(token, "/api/v1/jobs/" + UUID.randomUUID()).status()).isEqualTo(404);
        assertThat(get(token, "/api/v1/jobs?status=weird").status()).isEqualTo(422);

        // WebSocket: another user's project is closed with a policy code.
        CompletableFutureHolder closed = new CompletableFutureHolder();
        http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + gateway.uri(D, "/").getPort()
                + "/ws/jobs/" + id + "?token=" + other), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
                        closed.code.complete(status);
                        return null;
                    }
                }).join();
        assertThat(closed.code.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1008);

        Reply deleted = send(token, HttpRequest.newBuilder(gateway.uri(D, "/api/v1/projects/" + id)).DELETE());
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(get(token, "/api/v1/projects").json()).hasSize(1);
    }

    static final class CompletableFutureHolder {
        final java.util.concurrent.CompletableFuture<Integer> code = new java.util.concurrent.CompletableFuture<>();
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    static WebSocket socket(String token, long project, List<JsonNode> events) {
        return http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + gateway.uri(D, "/").getPort()
                + "/ws/jobs/" + project + "?token=" + token), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                events.add(JSON.readTree(text.toString()));
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            text.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }
                }).join();
    }

    static Map<String, Long> ply(byte[] body) {
        String head = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.ISO_8859_1);
        assertThat(head).startsWith("ply");
        Map<String, Long> elements = new HashMap<>();
        for (String line : head.substring(0, head.indexOf("end_header")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals("element")) {
                elements.put(f[1], Long.parseLong(f[2]));
            }
        }
        return elements;
    }

    static JsonNode awaitJob(String token, String jobId, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(() -> {
            Reply r = get(token, "/api/v1/jobs/" + jobId);
            if (r.status() != 200) {
                return false;
            }
            last[0] = r.json();
            String s = last[0].get("status").asText();
            return s.equals("completed") || s.equals("failed") || s.equals("cancelled");
        });
        return last[0];
    }

    static HttpResponse<byte[]> download(String token, long project, String type, String range, String method)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri(D, "/api/v1/files/download/" + project + "/" + type))
                .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody());
        if (range != null) {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static Reply uploadImages(String token, long project, List<Path> files) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        field(body, "project_id", Long.toString(project));
        for (Path f : files) {
            filePart(body, "files", f.getFileName().toString(), "image/jpeg", Files.readAllBytes(f));
        }
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return multipart(token, "/api/v1/files/upload/images", body.toByteArray());
    }

    static Reply uploadVideo(String token, long project, String name, byte[] bytes) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        filePart(body, "file", name, "video/mp4", bytes);
        field(body, "project_id", Long.toString(project));
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return multipart(token, "/api/v1/files/upload/video", body.toByteArray());
    }

    static Reply multipart(String token, String path, byte[] body) {
        return send(token, HttpRequest.newBuilder(gateway.uri(D, path))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    static void field(ByteArrayOutputStream body, String name, String value) throws java.io.IOException {
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    static void filePart(ByteArrayOutputStream body, String name, String filename, String type, byte[] bytes)
            throws java.io.IOException {
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(bytes);
        body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    static Reply send(String token, HttpRequest.Builder b) {
        return gateway.send(b, "Authorization", "Bearer " + token);
    }

    static Reply get(String token, String path) {
        return gateway.get(D, path, "Authorization", "Bearer " + token);
    }

    static Reply post(String token, String path) {
        return send(token, HttpRequest.newBuilder(gateway.uri(D, path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    static long create(String token, String name) {
        Reply r = gateway.postJson(D, "/api/v1/projects", "{\"name\":\"" + name + "\"}", "Authorization",
                "Bearer " + token);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    static String user() {
        String name = "d" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Reply reg = gateway.postJson(D, "/api/v1/auth/register", "{\"username\":\"" + name + "\",\"email\":\"" + name
                + "@example.com\",\"password\":\"Mesh12345\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        Reply login = gateway.postForm(D, "/api/v1/auth/token", "username=" + name + "&password=Mesh12345");
        return login.json().get("access_token").asText();
    }
}
