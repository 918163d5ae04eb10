package io.framegrid.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code framegrid reframe VIDEO}: the reframer's documented REST API end to end — upload ({@code POST /process}),
 * a progress bar over {@code GET /job/{id}}, then the results JSON and the reframed video saved beside the input.
 */
@Command(name = "reframe", mixinStandardHelpOptions = true,
        description = "Upload a video to the reframer, follow it with a progress bar, save its results and reframed video")
public final class ReframeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", description = "The video file") Path video;
    @Option(names = "--url", defaultValue = "${env:FRAMEGRID_REFRAMER_URL:-http://127.0.0.1:8002}",
            description = "The reframer surface (env FRAMEGRID_REFRAMER_URL; default ${DEFAULT-VALUE})")
    String url;
    @Option(names = "--api-key", defaultValue = "${env:FRAMEGRID_API_KEY}",
            description = "Reframer API key vr_... (env FRAMEGRID_API_KEY); --email registers one instead")
    String apiKey;
    @Option(names = "--email", description = "Register this email for an API key (printed) when none is given")
    String email;
    @Option(names = "--aspect", defaultValue = "9:16", description = "Target aspect ratio (default ${DEFAULT-VALUE})")
    String aspect;
    @Option(names = "--sample-every", description = "Analyse every Nth frame (the surface's sample_every; default: its own)")
    Integer sampleEvery;
    @Option(names = "--max-frames", description = "Analyse at most this many frames (the surface's max_frames; default: all)")
    Integer maxFrames;
    @Option(names = {"-o", "--output"}, description = "Folder for <name>.results.json and <name>.reframed.mp4 (default: the video's)")
    Path output;
    @Option(names = "--poll-ms", defaultValue = "500", hidden = true) long pollMs;
    @Option(names = "--timeout", defaultValue = "PT1H", description = "Give up after this long (ISO-8601, default ${DEFAULT-VALUE})")
    Duration timeout;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(video)) {
            System.err.println("framegrid reframe: no such file: " + video);
            return 2;
        }
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String key = apiKey;
        if (key == null || key.isBlank()) {
            if (email == null) {
                System.err.println("framegrid reframe: pass --api-key (or FRAMEGRID_API_KEY), or --email to register one");
                return 2;
            }
            JsonNode registered = send(HttpRequest.newBuilder(URI.create(base + "/register"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("email", email).toString())), -1);
            key = registered.get("api_key").asText();
            System.err.println("Registered " + email + "; API key " + key + " (keep it: pass it with --api-key next time)");
        }
        String boundary = "framegrid-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + video.getFileName().toString().replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        long size = Files.size(video);
        ProgressBarBuilder bars = new ProgressBarBuilder().setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(200).continuousUpdate();
        JsonNode accepted;
        try (ProgressBar upload = bars.setTaskName("upload").setInitialMax(size).setUnit(" MiB", 1 << 20).build()) {
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers
                    .ofInputStream(() -> {
                        try {
                            InputStream file = new java.io.FilterInputStream(Files.newInputStream(video)) {
                                @Override
                                public int read(byte[] b, int off, int len) throws IOException {
                                    int n = super.read(b, off, len);
                                    if (n > 0) {
                                        upload.stepBy(n);
                                    }
                                    return n;
                                }
                            };
                            return new SequenceInputStream(Collections.enumeration(List.of(
                                    new java.io.ByteArrayInputStream(head), file, new java.io.ByteArrayInputStream(tail))));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }), head.length + size + tail.length);
            String query = "?aspect=" + URLEncoder.encode(aspect, StandardCharsets.UTF_8)
                    + (sampleEvery != null ? "&sample_every=" + sampleEvery : "")
                    + (maxFrames != null ? "&max_frames=" + maxFrames : "");
            accepted = send(HttpRequest.newBuilder(URI.create(base + "/process" + query)).header("X-API-Key", key)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(body), -1);
            upload.stepTo(size);
        }
        String jobId = accepted.get("job_id").asText();
        System.err.println("Job " + jobId);
        JsonNode job;
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ProgressBar progress = bars.setTaskName("reframe").setInitialMax(100).setUnit("%", 1).build()) {
            while (true) {
                job = send(HttpRequest.newBuilder(URI.create(base + "/job/" + jobId)).header("X-API-Key", key).GET(), 200);
                progress.stepTo(job.path("progress_percent").asLong(0));
                String status = job.path("status").asText();
                progress.setExtraMessage(status);
                if (status.equals("completed") || status.equals("failed")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    System.err.println("framegrid reframe: job " + jobId + " still " + status + " after " + timeout);
                    return 1;
                }
                Thread.sleep(pollMs); // polling the documented status route; the REST API has no push
            }
        }
        if (!job.path("status").asText().equals("completed")) {
            System.err.println("framegrid reframe: job " + jobId + " failed: " + job.path("error_message").asText(job.toString()));
            return 1;
        }
        Path folder = output != null ? Files.createDirectories(output) : video.toAbsolutePath().getParent();
        String stem = video.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        HttpResponse<byte[]> results = http.send(HttpRequest.newBuilder(URI.create(base + "/results/" + jobId))
                .header("X-API-Key", key).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        check(results, 200);
        Path resultsFile = Files.write(folder.resolve(stem + ".results.json"), results.body());
        Path videoFile = folder.resolve(stem + ".reframed.mp4");
        HttpResponse<Path> reframed = http.send(HttpRequest.newBuilder(URI.create(base + "/results/" + jobId + "/video"))
                .header("X-API-Key", key).GET().build(), HttpResponse.BodyHandlers.ofFile(videoFile));
        check(reframed, 200);
        System.out.println("Results: " + resultsFile);
        System.out.println("Reframed video: " + videoFile);
        return 0;
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        check(response, expected);
        return JSON.readTree(response.body());
    }

    private static void check(HttpResponse<?> response, int expected) {
        int status = response.statusCode();
        if (expected > 0 ? status != expected : status / 100 != 2) {
            Object body = response.body() instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : response.body();
            throw new CliException(response.request().method() + " " + response.request().uri().getPath() + " answered "
                    + status + ": " + body);
        }
    }

    /** A refusal from the server, reported as one line (no stack trace). */
    public static final class CliException extends RuntimeException {
        public CliException(String message) {
            super(message);
        }
    }
}
