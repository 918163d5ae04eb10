package io.framegrid.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code framegrid reframe VIDEO} speaks the reframer's documented REST API (spec C): the key registered or given,
 * the video uploaded as multipart {@code file}, {@code /job/{id}} polled to completion, results and reframed video
 * saved. The server here answers as the spec says (the real surface is tested end to end in gateway-rest), and
 * records what the client sent.
 */
class ReframeCliTest {
    private static Server server;
    private static final AtomicReference<byte[]> uploaded = new AtomicReference<>();
    private static final AtomicReference<String> aspect = new AtomicReference<>();
    private static final AtomicInteger polls = new AtomicInteger();
    private static final AtomicInteger failNext = new AtomicInteger();

    @BeforeAll
    static void start() {
        server = Server.builder().http(0)
                .service("/register", (ctx, req) -> HttpResponse.of(HttpStatus.CREATED, MediaType.JSON,
                        "{\"api_key\":\"vr_abcdefghijklmnopqrstuvwxyz012345\",\"email\":\"x@example.com\"}"))
                .service("/process", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply((AggregatedHttpRequest r) -> {
                    if (!"vr_abcdefghijklmnopqrstuvwxyz012345".equals(r.headers().get("x-api-key"))) {
                        return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.JSON, "{\"detail\":\"Invalid API key\"}");
                    }
                    uploaded.set(r.content().array());
                    aspect.set(ctx.queryParam("aspect"));
                    polls.set(0);
                    return HttpResponse.of(HttpStatus.ACCEPTED, MediaType.JSON, "{\"job_id\":\"job-1\",\"status\":\"queued\"}");
                })))
                .service("/job/:id", (ctx, req) -> {
                    int n = polls.incrementAndGet();
                    String body = failNext.get() > 0 && n >= 2
                            ? "{\"job_id\":\"job-1\",\"status\":\"failed\",\"progress_percent\":40,\"error_message\":\"decode failed\"}"
                            : n < 3 ? "{\"job_id\":\"job-1\",\"status\":\"processing\",\"progress_percent\":" + (n * 30) + "}"
                            : "{\"job_id\":\"job-1\",\"status\":\"completed\",\"progress_percent\":100}";
                    return HttpResponse.of(HttpStatus.OK, MediaType.JSON, body);
                })
                .service("/results/:id", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
                        "{\"job_id\":\"job-1\",\"detections\":[]}"))
                .service("/results/:id/video", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.parse("video/mp4"),
                        "reframed-bytes"))
                .build();
        server.start().join();
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    private static String url() {
        return "http://127.0.0.1:" + server.activeLocalPort();
    }

    @Test
    void uploadsFollowsAndSavesTheResultsAndTheReframedVideo(@TempDir Path dir) throws Exception {
        failNext.set(0);
        Path video = Files.write(dir.resolve("clip.mp4"), "pretend video bytes".getBytes(StandardCharsets.UTF_8));
        CliRun run = CliRun.of("reframe", video.toString(), "--url", url(), "--email", "x@example.com",
                "--aspect", "1:1", "--poll-ms", "10", "-o", dir.resolve("out").toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(new String(uploaded.get(), StandardCharsets.UTF_8))
                .contains("name=\"file\"; filename=\"clip.mp4\"", "pretend video bytes");
        assertThat(aspect.get()).isEqualTo("1:1");
        assertThat(run.err()).contains("API key vr_", "Job job-1", "100%");
        assertThat(dir.resolve("out/clip.results.json")).content().contains("\"detections\"");
        assertThat(dir.resolve("out/clip.reframed.mp4")).content().isEqualTo("reframed-bytes");
        assertThat(run.out()).contains("Reframed video: " + dir.resolve("out/clip.reframed.mp4"));
    }

    @Test
    void aFailedJobOrABadKeyExitsNonZeroInOneLine(@TempDir Path dir) throws Exception {
        Path video = Files.write(dir.resolve("clip.mp4"), new byte[] {1, 2, 3});
        failNext.set(1);
        CliRun failed = CliRun.of("reframe", video.toString(), "--url", url(), "--api-key",
                "vr_abcdefghijklmnopqrstuvwxyz012345", "--poll-ms", "10");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.err()).contains("job job-1 failed: decode failed").doesNotContain("\tat ");
        assertThat(dir.resolve("clip.reframed.mp4")).doesNotExist();

        CliRun badKey = CliRun.of("reframe", video.toString(), "--url", url(), "--api-key", "vr_wrong", "--poll-ms", "10");
        assertThat(badKey.exit()).isEqualTo(1);
        assertThat(badKey.err()).contains("answered 401", "Invalid API key").doesNotContain("\tat ");
    }
}
