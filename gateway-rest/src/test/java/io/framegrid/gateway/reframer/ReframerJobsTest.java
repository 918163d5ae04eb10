package io.framegrid.gateway.reframer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.sdk.reframer.ReframerClient;
import io.framegrid.proto.reframer.v1.FrameDetections;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.proto.reframer.v1.Scene;
import io.framegrid.proto.reframer.v1.Track;
import io.framegrid.sdk.reframer.RleMask;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Surface C end to end over HTTP: a real coordinator, a real gpu-node (task worker, YOLOX from the shared models)
 * in the same private grid, and the gateway. Uploads real media, polls as the spec says, checks the results.
 */
class ReframerJobsTest {
    private static final int HOURLY = 150;

    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of(
            "gateway.reframer.requests-per-hour", HOURLY,
            "gateway.reframer.concurrent-uploads", 1,
            "gateway.reframer.max-upload-mb", 10)).withGpuNode();

    @TempDir
    static Path dir;

    private static Path joined;
    private final HttpClient http = GatewayExtension.testHttpClient();

    @BeforeAll
    static void prepare() throws Exception {
        joined = joinedClips(dir.resolve("joined.mp4"));
    }

    /** 3 × 40 frames of three different clips at 480×270, 25 fps, with 4.8 s of speech as audio. */
    private static Path joinedClips(Path out) {
        List<Mat> frames = new ArrayList<>();
        for (String clip : List.of("vtest.avi", "speedway.mj2", "counter-text.mp4")) {
            new MediaDecoder().decode(SharedFiles.media(clip), FrameSampling.range(0, 40), f -> {
                Mat resized = new Mat();
                opencv_imgproc.resize(f.image(), resized, new Size(480, 270));
                frames.add(resized);
                return true;
            });
        }
        new MediaEncoder().encode(out, VideoEncodeSettings.mp4(), 25, frames, List.of(SharedFiles.media("speech.wav")));
        return out;
    }

    private static Path synthetic(String name, int width, int height, int frames) {
        List<Mat> list = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            list.add(new Mat(height, width, org.bytedeco.opencv.global.opencv_core.CV_8UC3, new Scalar(i * 5, 80, 160, 0)));
        }
        Path out = dir.resolve(name);
        new MediaEncoder().encode(out, VideoEncodeSettings.mp4(), 25, list, List.of());
        return out;
    }

    private static String register() {
        String email = "rf" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Reply r = gateway.postJson("reframer", "/register", "{\"email\":\"" + email + "\"}");
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("api_key").asText();
    }

    private static final String BOUNDARY = "----framegridtest";

    private static byte[] head(String filename) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tail() {
        return ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private Reply upload(String key, String query, String filename, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(head(filename));
        body.writeBytes(content);
        body.writeBytes(tail());
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri("reframer", "/process" + query))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return gateway.send(b);
    }

    private Reply upload(String key, String query, Path file) throws IOException {
        return upload(key, query, file.getFileName().toString(), Files.readAllBytes(file));
    }

    private static JsonNode awaitDone(String key, String jobId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Reply r = gateway.get("reframer", "/job/" + jobId, "X-API-Key", key);
            assertThat(r.status()).isEqualTo(200);
            last[0] = r.json();
            String s = last[0].get("status").asText();
            assertThat(s).isIn("queued", "processing", "completed", "failed");
            return s.equals("completed") || s.equals("failed");
        });
        return last[0];
    }

    @Test
    void uploadErrorsAreRefusedInTheSpecsWords() throws Exception {
        String key = register();
        Reply noKey = upload(null, "", "a.mp4", new byte[10]);
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.json().get("detail").asText()).isEqualTo("Missing API key");
        assertThat(upload("vr_" + "x".repeat(32), "", "a.mp4", new byte[10]).status()).isEqualTo(401);

        Reply format = upload(key, "", "notes.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(format.status()).isEqualTo(400);
        assertThat(format.json().get("detail").asText()).isEqualTo("Invalid file format. Supported formats: MP4, MOV, AVI, MKV");

        Reply notMultipart = gateway.postJson("reframer", "/process", "{}", "X-API-Key", key);
        assertThat(notMultipart.status()).isEqualTo(400);
        assertThat(notMultipart.json().has("detail")).isTrue();

        Reply garbage = upload(key, "", "garbage.mp4", "definitely not a video".repeat(100).getBytes(StandardCharsets.UTF_8));
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.json().get("detail").asText()).startsWith("Invalid file format");

        Reply shortVideo = upload(key, "", synthetic("short.mp4", 320, 240, 12));
        assertThat(shortVideo.status()).isEqualTo(400);
        assertThat(shortVideo.json().get("detail").asText()).startsWith("Video too short");

        Reply tiny = upload(key, "", synthetic("tiny.mp4", 160, 120, 50));
        assertThat(tiny.status()).isEqualTo(400);
        assertThat(tiny.json().get("detail").asText()).isEqualTo("Resolution too low: 160x120 (minimum 320x240)");

        Reply badAspect = upload(key, "?aspect=sideways", joined);
        assertThat(badAspect.status()).isEqualTo(400);

        // Declared larger than the limit: refused before the body is read.
        try (RawUpload big = new RawUpload(key, "big.mp4", 11L << 20)) {
            String response = big.readResponse();
            assertThat(response).startsWith("HTTP/1.1 413").contains("{\"detail\":\"File size exceeds 10MB limit\"}");
        }

        // Over the limit without a declared length (chunked): stopped once the counted bytes pass it.
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.uri("reframer", "/").getPort())) {
            socket.setSoTimeout(20_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /process HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + "\r\nContent-Type: "
                    + "multipart/form-data; boundary=" + BOUNDARY + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            writeChunk(out, head("endless.mp4"));
            byte[] block = new byte[256 << 10];
            try {
                for (int i = 0; i < 48; i++) {
                    writeChunk(out, block);
                }
            } catch (IOException closedByServer) {
                // The gateway may refuse and close before the client is done sending.
            }
            byte[] reply = socket.getInputStream().readNBytes(12);
            assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("HTTP/1.1 413");
        } catch (java.net.SocketException reset) {
            // Reset before the reply could be read: the upload was stopped all the same.
        }
        assertNothingStored(key);

        // A client that goes away mid-upload leaves nothing behind either.
        try (RawUpload aborted = new RawUpload(key, "aborted.mp4", 4L << 20)) {
            aborted.socket.getOutputStream().write(new byte[2 << 20]);
            aborted.socket.getOutputStream().flush();
        }

        // Nothing was queued by any of these, and nothing stored: refused videos are deleted, blob and metadata.
        Reply videos = gateway.get("reframer", "/videos", "X-API-Key", key);
        assertThat(videos.json().get("total").asInt()).isZero();
        assertNothingStored(key);
    }

    private static void writeChunk(java.io.OutputStream out, byte[] data) throws IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** The user has no media metadata and no blob in the store (uploads are discarded asynchronously: awaited). */
    private static void assertNothingStored(String key) {
        io.framegrid.sdk.FramegridClient user = gateway.coordinator().client().withApiKey(key);
        String owner = user.identity().currentUser().getUserId();
        Path blobs = gateway.coordinator().config().media().localDir().resolve("media").resolve(owner);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(user.media().list(100, 0).getTotal()).isZero();
            if (Files.isDirectory(blobs)) {
                try (java.util.stream.Stream<Path> files = Files.walk(blobs)) {
                    assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
                }
            }
        });
    }

    @Test
    void joinedClipsAreAnalysedIntoScenesAndReframedWithAudio() throws Exception {
        String key = register();
        Reply queued = upload(key, "?aspect=9:16", joined);
        assertThat(queued.status()).withFailMessage(queued.toString()).isEqualTo(200);
        assertThat(queued.json().get("status").asText()).isEqualTo("queued");
        assertThat(queued.json().get("message").asText()).isEqualTo("Video queued for processing");
        assertThat(queued.header("X-RateLimit-Limit")).isEqualTo(String.valueOf(HOURLY));
        String jobId = queued.json().get("job_id").asText();

        JsonNode done = awaitDone(key, jobId);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("progress_percent").asInt()).isEqualTo(100);
        assertThat(done.get("current_step").asText()).isEqualTo("Processing complete");
        String videoId = done.get("video_id").asText();
        assertThat(videoId).isNotEmpty();

        Reply results = gateway.get("reframer", "/results/" + jobId, "X-API-Key", key);
        assertThat(results.status()).isEqualTo(200);
        JsonNode r = results.json();
        assertThat(r.get("job_id").asText()).isEqualTo(jobId);
        assertThat(r.get("status").asText()).isEqualTo("success");
        assertThat(iterable(r.fieldNames())).containsExactly("job_id", "status", "metadata", "detections",
                "segmentation_masks", "tracking", "scenes");
        assertThat(r.get("metadata").get("width").asInt()).isEqualTo(480);
        assertThat(r.get("metadata").get("codec").asText()).isEqualTo("h264");
        JsonNode scenes = r.get("scenes");
        assertThat(scenes).hasSize(3);
        assertThat(scenes.get(0).get("start_frame").asInt()).isZero();
        assertThat(scenes.get(1).get("start_frame").asInt()).isBetween(39, 41);
        assertThat(scenes.get(2).get("start_frame").asInt()).isBetween(79, 81);
        for (JsonNode s : scenes) {
            assertThat(iterable(s.fieldNames())).containsExactly("scene_number", "start_frame", "end_frame",
                    "description", "importance", "replaceable_elements");
            assertThat(s.get("importance").asInt()).isBetween(1, 10);
        }

        HttpResponse<byte[]> video = http.send(HttpRequest.newBuilder(
                gateway.uri("reframer", "/results/" + jobId + "/video")).header("X-API-Key", key).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(video.statusCode()).isEqualTo(200);
        // The same download answers HEAD and ranges (one, or several as multipart/byteranges).
        String videoPath = "/results/" + jobId + "/video";
        Reply headVideo = gateway.send(HttpRequest.newBuilder(gateway.uri("reframer", videoPath))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), "X-API-Key", key);
        assertThat(headVideo.status()).isEqualTo(200);
        assertThat(headVideo.header("Content-Length")).isEqualTo(String.valueOf(video.body().length));
        assertThat(headVideo.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(headVideo.header("Content-Type")).isEqualTo("video/mp4");
        assertThat(headVideo.response().body()).isEmpty();
        HttpResponse<byte[]> ranged = http.send(HttpRequest.newBuilder(gateway.uri("reframer", videoPath))
                .header("X-API-Key", key).header("Range", "bytes=4-11").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ranged.statusCode()).isEqualTo(206);
        assertThat(ranged.body()).isEqualTo(java.util.Arrays.copyOfRange(video.body(), 4, 12));
        HttpResponse<byte[]> multi = http.send(HttpRequest.newBuilder(gateway.uri("reframer", videoPath))
                .header("X-API-Key", key).header("Range", "bytes=0-3,-4").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(multi.statusCode()).isEqualTo(206);
        assertThat(multi.headers().firstValue("Content-Type").orElseThrow()).startsWith("multipart/byteranges; boundary=");
        assertThat(new String(multi.body(), StandardCharsets.ISO_8859_1))
                .contains("Content-Range: bytes 0-3/" + video.body().length)
                .contains("Content-Range: bytes " + (video.body().length - 4) + "-" + (video.body().length - 1) + "/"
                        + video.body().length);
        HttpResponse<byte[]> unsatisfiable = http.send(HttpRequest.newBuilder(gateway.uri("reframer", videoPath))
                .header("X-API-Key", key).header("Range", "bytes=" + video.body().length + "-").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(unsatisfiable.statusCode()).isEqualTo(416);
        assertThat(unsatisfiable.headers().firstValue("Content-Range")).hasValue("bytes */" + video.body().length);
        assertThat(new String(unsatisfiable.body(), StandardCharsets.UTF_8)).startsWith("{\"detail\":");
        Path reframed = dir.resolve("reframed.mp4");
        Files.write(reframed, video.body());
        MediaInfo out = new MediaDecoder().probe(reframed);
        MediaInfo source = new MediaDecoder().probe(joined);
        assertThat((double) out.width() / out.height()).isCloseTo(9.0 / 16, org.assertj.core.data.Offset.offset(0.02));
        assertThat(out.height()).isEqualTo(270);
        assertThat(out.hasAudio()).isTrue();
        assertThat(out.durationSeconds()).isCloseTo(source.durationSeconds(), org.assertj.core.data.Offset.offset(0.15));

        // Another user sees none of it.
        String other = register();
        for (String path : List.of("/job/" + jobId, "/results/" + jobId, "/results/" + jobId + "/video")) {
            Reply foreign = gateway.get("reframer", path, "X-API-Key", other);
            assertThat(foreign.status()).as(path).isEqualTo(404);
            assertThat(foreign.json().get("detail").asText()).isEqualTo("Job not found");
        }
        assertThat(gateway.get("reframer", "/videos", "X-API-Key", other).json().get("total").asInt()).isZero();
        assertThat(gateway.get("reframer", "/job/" + UUID.randomUUID(), "X-API-Key", key).status()).isEqualTo(404);

        JsonNode list = gateway.get("reframer", "/videos?status=completed&limit=10", "X-API-Key", key).json();
        assertThat(list.get("total").asInt()).isEqualTo(1);
        JsonNode v = list.get("videos").get(0);
        assertThat(v.get("id").asText()).isEqualTo(videoId);
        assertThat(v.get("filename").asText()).isEqualTo("joined.mp4");
        assertThat(v.get("status").asText()).isEqualTo("completed");
        assertThat(v.get("duration_seconds").asDouble()).isGreaterThan(4);
        assertThat(v.get("processed_at").asText()).endsWith("Z");
        assertThat(gateway.get("reframer", "/videos?status=failed", "X-API-Key", key).json().get("total").asInt()).isZero();
        assertThat(gateway.get("reframer", "/videos?limit=101", "X-API-Key", key).status()).isEqualTo(400);
        assertThat(gateway.get("reframer", "/videos?status=bogus", "X-API-Key", key).status()).isEqualTo(400);
    }

    @Test
    void vtestPeopleAreTrackedWithMasksThatDecodeToTheirArea() throws Exception {
        String key = register();
        Reply queued = upload(key, "?max_frames=150&sample_every=5", SharedFiles.media("vtest.avi"));
        assertThat(queued.status()).withFailMessage(queued.toString()).isEqualTo(200);
        String jobId = queued.json().get("job_id").asText();
        // Right after queueing the analysis is not done: 202.
        Reply early = gateway.get("reframer", "/results/" + jobId, "X-API-Key", key);
        assertThat(early.status()).isEqualTo(202);

        assertThat(awaitDone(key, jobId).get("status").asText()).isEqualTo("completed");
        JsonNode r = gateway.get("reframer", "/results/" + jobId, "X-API-Key", key).json();
        assertThat(r.get("metadata").get("width").asInt()).isEqualTo(768);
        JsonNode detections = r.get("detections");
        assertThat(iterable(detections.fieldNames())).allMatch(f -> Integer.parseInt(f) % 5 == 0);
        JsonNode first = detections.elements().next().get(0);
        assertThat(iterable(first.fieldNames())).containsExactly("class", "confidence", "bbox", "label");
        assertThat(first.get("bbox").get("x").isInt()).isTrue();
        JsonNode tracking = r.get("tracking");
        int stable = 0;
        for (JsonNode t : iterable(tracking.elements())) {
            if (t.get("class").asText().equals("person") && t.get("frames").size() >= 10) {
                stable++;
            }
            assertThat(t.get("duration_frames").asInt())
                    .isEqualTo(t.get("end_frame").asInt() - t.get("start_frame").asInt());
        }
        assertThat(stable).isGreaterThanOrEqualTo(2);
        int checked = 0;
        for (JsonNode frame : iterable(r.get("segmentation_masks").elements())) {
            for (JsonNode m : frame) {
                assertThat(tracking.has(m.get("track_id").asText())).isTrue();
                assertThat(decodedArea(m.get("mask_rle").asText(), 768 * 576)).isEqualTo(m.get("mask_area_pixels").asLong());
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(20);
    }

    /** The spec's "Example Polling Loop", verbatim but for the base URL, run by the system Python with requests. */
    @Test
    void theSpecsPythonPollingLoopWorksAsWritten() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Process check = new ProcessBuilder(python.toString(), "-c", "import requests").start();
        org.junit.jupiter.api.Assumptions.assumeTrue(check.waitFor() == 0, "python3-requests is not installed");
        String key = register();
        Reply queued = upload(key, "?sample_every=10", joined);
        assertThat(queued.status()).withFailMessage(queued.toString()).isEqualTo(200);
        String base = "http://127.0.0.1:" + gateway.uri("reframer", "/").getPort();
        String script = String.join("\n",
                "import requests",
                "import time",
                "",
                "job_id = \"" + queued.json().get("job_id").asText() + "\"",
                "api_key = \"" + key + "\"",
                "",
                "while True:",
                "    response = requests.get(",
                "        f\"" + base + "/job/{job_id}\",",
                "        headers={\"X-API-Key\": api_key}",
                "    )",
                "    data = response.json()",
                "",
                "    if data[\"status\"] == \"completed\":",
                "        results = requests.get(",
                "            f\"" + base + "/results/{job_id}\",",
                "            headers={\"X-API-Key\": api_key}",
                "        ).json()",
                "        print(\"Results:\", results)",
                "        break",
                "    elif data[\"status\"] == \"failed\":",
                "        print(\"Error:\", data[\"error_message\"])",
                "        break",
                "    else:",
                "        print(f\"Progress: {data['progress_percent']}%\")",
                "        time.sleep(2)",
                "");
        Path file = dir.resolve("poll.py");
        Files.writeString(file, script);
        Process p = new ProcessBuilder(python.toString(), file.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(150, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).withFailMessage(output).isZero();
        assertThat(output).contains("Progress: ").contains("Results: {'job_id': '" + queued.json().get("job_id").asText()
                + "', 'status': 'success', 'metadata': {");
    }

    /** The Java SDK: process → await with progress → typed results and the reframed video, over gRPC. */
    @Test
    void theJavaSdkProcessesAndAwaitsWithProgress() throws Exception {
        String key = register();
        io.framegrid.sdk.FramegridClient user = gateway.coordinator().client().withApiKey(key);
        ReframerClient sdk = new ReframerClient(user);
        ReframerClient.ReframerJob job = sdk.processAsync(joined, Map.of("sample_every", "10"))
                .get(60, java.util.concurrent.TimeUnit.SECONDS);
        List<Integer> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.framegrid.proto.jobs.v1.Job done = job.await(Duration.ofSeconds(150), j -> progress.add(j.getProgress()));
        assertThat(done.getStatus()).isEqualTo(io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_COMPLETED);
        assertThat(progress).isNotEmpty().endsWith(100);

        ReframerResults results = job.results();
        assertThat(results.getJobId()).isEqualTo(job.jobId());
        assertThat(results.getStatus()).isEqualTo("success");
        assertThat(results.getMetadata().getWidth()).isEqualTo(480);
        assertThat(results.getMetadata().getHeight()).isEqualTo(270);
        assertThat(results.getMetadata().getCodec()).isEqualTo("h264");
        assertThat(results.getMetadata().getFps()).isCloseTo(25, org.assertj.core.data.Offset.offset(0.1));
        assertThat(results.getMetadata().getTotalFrames()).isEqualTo(120);
        assertThat(results.getScenesList()).extracting(Scene::getSceneNumber).containsExactly(1, 2, 3);
        assertThat(results.getScenes(0).getStartFrame()).isZero();
        assertThat(results.getScenes(1).getStartFrame()).isBetween(39L, 41L);
        assertThat(results.getScenesList()).allSatisfy(scene -> {
            assertThat(scene.getImportance()).isBetween(1, 10);
            assertThat(scene.getDescription()).isNotBlank();
            assertThat(scene.getEndFrame()).isGreaterThanOrEqualTo(scene.getStartFrame());
        });
        // Only sampled frames carry detections, in frame order; every box lies inside the frame.
        assertThat(results.getDetectionsList()).extracting(FrameDetections::getFrame).isSorted()
                .allMatch(frame -> frame % 10 == 0 && frame < 120);
        results.getDetectionsList().stream().flatMap(f -> f.getDetectionsList().stream()).forEach(d -> {
            assertThat(d.getClassName()).isIn("person", "product");
            assertThat(d.getConfidence()).isBetween(0.0, 1.0);
            assertThat(d.getBbox().getX()).isNotNegative();
            assertThat(d.getBbox().getX() + d.getBbox().getWidth()).isLessThanOrEqualTo(480);
            assertThat(d.getBbox().getY() + d.getBbox().getHeight()).isLessThanOrEqualTo(270);
        });
        // Each mask decodes over the whole frame to its stated area and belongs to a track.
        List<String> trackIds = results.getTrackingList().stream().map(Track::getTrackId).toList();
        results.getSegmentationMasksList().stream().flatMap(f -> f.getMasksList().stream()).forEach(m -> {
            boolean[] pixels = RleMask.decode(m, 480, 270);
            long area = 0;
            for (boolean p : pixels) {
                area += p ? 1 : 0;
            }
            assertThat(area).isEqualTo(m.getMaskAreaPixels());
            assertThat(trackIds).contains(m.getTrackId());
        });
        results.getTrackingList().forEach(t ->
                assertThat(t.getDurationFrames()).isEqualTo(t.getEndFrame() - t.getStartFrame()));
        // The gateway renders the same message as the spec's JSON; the async variant reads the same.
        JsonNode rendered = gateway.get("reframer", "/results/" + job.jobId(), "X-API-Key", key).json();
        assertThat(rendered.get("job_id").asText()).isEqualTo(job.jobId());
        assertThat(rendered.get("scenes").size()).isEqualTo(results.getScenesCount());
        assertThat(rendered.get("tracking").size()).isEqualTo(results.getTrackingCount());
        assertThat(job.resultsAsync().get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(results);
        assertThat(sdk.job(job.jobId()).results()).isEqualTo(results);

        ByteArrayOutputStream video = new ByteArrayOutputStream();
        job.downloadVideo(video);
        assertThat(video.size()).isPositive();
        // A refused video fails process() with the probe's reason, and is not kept in the caller's media.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sdk.process(synthetic("sdk-short.mp4", 320, 240, 12)))
                .isInstanceOf(io.framegrid.sdk.FramegridException.class).hasMessageStartingWith("Video too short");
        // The same from a stream, read as it goes.
        try (InputStream in = Files.newInputStream(synthetic("sdk-stream.mp4", 320, 240, 12))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sdk.process(in, "sdk-stream.mp4",
                            "video/mp4", io.framegrid.proto.reframer.v1.AnalysisParams.getDefaultInstance()))
                    .isInstanceOfSatisfying(io.framegrid.sdk.FramegridException.class,
                            e -> assertThat(e.reason()).isEqualTo(ReframerClient.INVALID_VIDEO))
                    .hasMessageStartingWith("Video too short");
        }
        assertThat(user.media().list(100, 0).getMediaList())
                .extracting(io.framegrid.proto.media.v1.Media::getFilename).doesNotContain("sdk-short.mp4", "sdk-stream.mp4")
                .contains("joined.mp4");
    }

    /** A body cut before its closing boundary is the client's error, found before anything is probed or kept. */
    @Test
    void aBodyWithoutItsClosingBoundaryIsRefusedWith400AndLeavesNothing() throws Exception {
        String key = register();
        // Cut after a part delimiter, and cut inside the file with no delimiter at all.
        for (String end : List.of("\r\n--" + BOUNDARY + "\r\n", "")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(head("joined.mp4"));
            body.writeBytes(Files.readAllBytes(joined));
            body.writeBytes(end.getBytes(StandardCharsets.UTF_8));
            Reply cut = gateway.send(HttpRequest.newBuilder(gateway.uri("reframer", "/process"))
                    .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY).header("X-API-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
            assertThat(cut.status()).withFailMessage(cut.toString()).isEqualTo(400);
            assertThat(cut.json().get("detail").asText()).startsWith("Malformed multipart/form-data body");
        }
        assertThat(gateway.get("reframer", "/videos", "X-API-Key", key).json().get("total").asInt()).isZero();
        assertNothingStored(key);
    }

    /**
     * A container declaring more frames than decode (as OpenCV's tree.avi does) is analysed as far as it decodes,
     * as ffmpeg and OpenCV play it, and the results give the real frame count.
     */
    @Test
    void aVideoDeclaringMoreFramesThanDecodeIsAnalysedAsFarAsItDecodes() throws Exception {
        String key = register();
        Path cut = cutAvi(dir.resolve("cut.avi"), 80, 0.3);
        Reply queued = upload(key, "?sample_every=5", cut);
        assertThat(queued.status()).withFailMessage(queued.toString()).isEqualTo(200);
        String jobId = queued.json().get("job_id").asText();
        JsonNode done = awaitDone(key, jobId);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        JsonNode r = gateway.get("reframer", "/results/" + jobId, "X-API-Key", key).json();
        long frames = r.get("metadata").get("total_frames").asLong();
        assertThat(frames).isBetween(10L, 40L);
        JsonNode scenes = r.get("scenes");
        assertThat(scenes.get(scenes.size() - 1).get("end_frame").asLong()).isEqualTo(frames - 1);
    }

    /** A job that cannot succeed fails on its first attempt, and reads as a plain sentence over REST and the SDK. */
    @Test
    void aFailedJobFailsAtOnceInPlainWordsOverRestAndTheSdk() {
        String key = register();
        io.framegrid.sdk.FramegridClient user = gateway.coordinator().client().withApiKey(key);
        String jobId = user.jobs().submit(io.framegrid.proto.jobs.v1.SubmitJobRequest.newBuilder()
                .setType(io.framegrid.proto.reframer.ReframerContract.ANALYZE).setDisplayName("gone.mp4")
                .putMetadata(io.framegrid.proto.reframer.ReframerContract.MEDIA_ID, "no-such-media").build()).getJobId();
        JsonNode done = awaitDone(key, jobId);
        assertThat(done.get("status").asText()).isEqualTo("failed");
        String message = done.get("error_message").asText();
        assertThat(message).isEqualTo("Video no-such-media not found").doesNotContain("Exception", "io.framegrid", "/tmp");
        List<String> log = new ArrayList<>();
        user.jobs().logs(jobId, 100, false).forEachRemaining(line -> log.add(line.getMessage()));
        assertThat(log).noneMatch(line -> line.contains("failed on attempt"));

        Reply results = gateway.get("reframer", "/results/" + jobId, "X-API-Key", key);
        assertThat(results.status()).isEqualTo(400);
        assertThat(results.json().get("detail").asText()).isEqualTo("Job failed: " + message);
        ReframerClient.ReframerJob job = new ReframerClient(user).job(jobId);
        org.assertj.core.api.Assertions.assertThatThrownBy(job::results)
                .isInstanceOfSatisfying(io.framegrid.sdk.FramegridException.class,
                        e -> assertThat(e.reason()).isEqualTo(ReframerClient.JOB_FAILED))
                .hasMessageContaining(message);
    }

    /** An AVI of {@code frames} frames at 10 fps cut to {@code keep} of its bytes: its header still declares all. */
    private static Path cutAvi(Path out, int frames, double keep) throws IOException {
        List<Mat> list = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            list.add(new Mat(240, 320, org.bytedeco.opencv.global.opencv_core.CV_8UC3, new Scalar(i * 3, 80, 160, 0)));
        }
        Path whole = dir.resolve("whole-" + out.getFileName());
        new MediaEncoder().encode(whole, VideoEncodeSettings.of("avi"), 10, list, List.of());
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(out, java.util.Arrays.copyOf(bytes, (int) (bytes.length * keep)));
        return out;
    }

    /** The spec's decode_rle, counting ones; the runs must cover the frame exactly. */
    private static long decodedArea(String rle, int pixels) {
        long total = 0;
        long ones = 0;
        boolean zero = true;
        for (String part : rle.split(",")) {
            long count = Long.parseLong(part);
            total += count;
            if (!zero) {
                ones += count;
            }
            zero = !zero;
        }
        assertThat(total).isEqualTo(pixels);
        return ones;
    }

    @Test
    void concurrentUploadsAndHourlyRequestsAreCappedPerKey() throws Exception {
        String key = register();
        // An upload whose body stalls (headers and part header sent, file bytes not) holds the key's only slot.
        RawUpload slow = new RawUpload(key, "slow.mp4", 1L << 20);
        await().atMost(Duration.ofSeconds(20)).until(() -> upload(key, "", "x.txt", new byte[1]).status() == 429);
        Reply busy = upload(key, "", "x.txt", new byte[1]);
        assertThat(busy.status()).isEqualTo(429);
        assertThat(busy.json().get("detail").asText()).startsWith("Too many concurrent uploads");
        slow.close();
        await().atMost(Duration.ofSeconds(20)).until(() -> upload(key, "", "x.txt", new byte[1]).status() == 400);

        // The hourly budget: every job route counts; past it, 429 with the X-RateLimit headers.
        Reply last = null;
        for (int i = 0; i < HOURLY + 1; i++) {
            last = gateway.get("reframer", "/videos", "X-API-Key", key);
            if (last.status() == 429) {
                break;
            }
            assertThat(Long.parseLong(last.header("X-RateLimit-Remaining"))).isLessThan(HOURLY);
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.header("X-RateLimit-Limit")).isEqualTo(String.valueOf(HOURLY));
        assertThat(last.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(last.header("X-RateLimit-Reset"))).isGreaterThan(System.currentTimeMillis() / 1000);
        assertThat(last.json().get("detail").asText()).contains("Rate limit exceeded");
        // Another key is unaffected.
        assertThat(gateway.get("reframer", "/videos", "X-API-Key", register()).status()).isEqualTo(200);
    }

    /** A raw HTTP/1.1 upload that sends its headers and the part header, then only what the test writes. */
    private static final class RawUpload implements AutoCloseable {
        private final java.net.Socket socket = new java.net.Socket();

        RawUpload(String key, String filename, long fileBytes) throws IOException {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.uri("reframer", "/").getPort()), 5000);
            socket.setSoTimeout(20_000);
            long length = head(filename).length + fileBytes + tail().length;
            String headers = "POST /process HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key
                    + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nContent-Length: " + length
                    + "\r\n\r\n";
            socket.getOutputStream().write(headers.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(head(filename));
            socket.getOutputStream().flush();
        }

        String readResponse() throws IOException {
            byte[] buffer = new byte[4096];
            StringBuilder sb = new StringBuilder();
            InputStream in = socket.getInputStream();
            int n;
            while (!sb.toString().contains("}") && (n = in.read(buffer)) > 0) {
                sb.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        List<T> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
