package io.framegrid.gateway.studio;

import static io.framegrid.gateway.studio.StudioFixtures.B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gpunode.studio.TextClip;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.studio.StudioFixtures.User;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaInfo;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GhostCut text removal run for real, over HTTP, by a real gpu-node (CPU) executing the cluster tasks: a 6 s
 * 320×180 clip of real vtest frames with a burned-in subtitle (and an audio track) comes back as H.264 of the same
 * size, rate, frame count and duration, with its audio, the subtitle's area now close to the clean frames; the
 * annotated variant erases only the marked area; the reserved credits are spent on completion.
 */
class StudioGhostCutRunTest {
    private static final String BOUNDARY = "----framegridghostcut";

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of()).withGpuNode();

    private static Path work;
    private static TextClip clip;
    private static List<Mat> input;
    private final StudioFixtures fx = new StudioFixtures(gw);

    @BeforeAll
    static void prepare() throws Exception {
        work = Files.createTempDirectory("framegrid-ghostcut-media");
        clip = TextClip.write(work, 60);
        input = TextClip.frames(clip.file);
    }

    @AfterAll
    static void deleteWork() throws Exception {
        if (work != null) CoordinatorExtension.deleteRecursively(work);
    }

    @Test
    void simpleInpaintRemovesTheSubtitleAndKeepsTheVideosShapeAndAudio() throws Exception {
        User u = fx.user();   // free: 100 credits
        JsonNode done = run(u, "/api/v1/video-editors/ghostcut/simple-inpaint", Map.of("auto_detect", "true"));
        assertThat(done.get("credits_used").asInt()).isEqualTo(6);
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(94);
        Path result = download(u, done, "simple.mp4");
        assertThat(Files.size(result)).isEqualTo(done.get("result_size_bytes").asLong());

        MediaInfo in = new MediaDecoder().probe(clip.file);
        MediaInfo out = new MediaDecoder().probe(result);
        assertThat(out.videoCodec()).isEqualTo("h264");
        assertThat(out.width()).isEqualTo(TextClip.WIDTH);
        assertThat(out.height()).isEqualTo(TextClip.HEIGHT);
        assertThat(out.fps()).isEqualTo(in.fps(), org.assertj.core.data.Offset.offset(0.01));
        assertThat(out.durationSeconds()).isEqualTo(in.durationSeconds(), org.assertj.core.data.Offset.offset(0.15));
        assertThat(in.hasAudio()).isTrue();
        assertThat(out.hasAudio()).isTrue();
        List<Mat> cleaned = TextClip.frames(result);
        assertThat(cleaned.size()).isBetween(input.size() - 1, input.size() + 1);

        double before = TextClip.psnr(input, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT, true, 0);
        double after = TextClip.psnr(cleaned, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT, true, 0);
        // Measured: see the README; the subtitle's gaps show the background, so the fill is far closer than the text.
        assertThat(after).as("PSNR in the subtitle's area: before %.1f dB, after %.1f dB", before, after)
                .isGreaterThan(before + 6);
    }

    @Test
    void annotatedInpaintErasesOnlyTheMarkedAreaAndTime() throws Exception {
        User u = fx.user();
        // The subtitle's area from 1.5 s to 4.5 s (frames 15..44); detection off.
        String areas = "[{\"start_time\":1.5,\"end_time\":4.5,\"bbox\":{\"x\":" + TextClip.TEXT[0] + ",\"y\":"
                + TextClip.TEXT[1] + ",\"width\":" + TextClip.TEXT[2] + ",\"height\":" + TextClip.TEXT[3]
                + "},\"type\":\"erasure\"}]";
        JsonNode done = run(u, "/api/v1/video-editors/ghostcut/annotated-inpaint", Map.of("annotations", areas));
        List<Mat> cleaned = TextClip.frames(download(u, done, "annotated.mp4"));
        assertThat(cleaned.size()).isBetween(input.size() - 1, input.size() + 1);
        double before = TextClip.psnr(input, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT, true, 0);
        double after = TextClip.psnr(cleaned, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT, true, 0);
        assertThat(after).as("inside the area: before %.1f dB, after %.1f dB", before, after).isGreaterThan(before + 6);
        // Elsewhere the frames are the input's, re-encoded once (a dilation margin around the area excluded).
        double outside = TextClip.psnr(cleaned, input, 0, input.size() - 1, TextClip.TEXT, false, 12);
        assertThat(outside).as("outside the area").isGreaterThan(32);
        double otherTimes = TextClip.psnr(cleaned, input, 0, TextClip.TEXT_FIRST - 2, TextClip.TEXT, true, 0);
        assertThat(otherTimes).as("the area before its start time").isGreaterThan(32);
        assertThat(done.get("credits_used").asInt()).isEqualTo(6);
    }

    private JsonNode run(User u, String path, Map<String, String> fields) throws Exception {
        Reply submitted = gw.send(HttpRequest.newBuilder(gw.uri(B, path))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form(Files.readAllBytes(clip.file), fields))), u.auth());
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        assertThat(submitted.json().get("estimated_credits").asInt()).isEqualTo(6);
        String id = submitted.json().get("job_id").asText();
        // Polled through the SDK: the free tier's 10 requests a minute are for the routes under test.
        io.framegrid.sdk.studio.StudioClient studio = fx.studio(u);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
            io.framegrid.proto.jobs.v1.Job job = studio.jobAsync(id).join().getJob();
            assertThat(job.getStatus()).as(job.getErrorMessage())
                    .isNotEqualTo(io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_FAILED);
            return job.getStatus() == io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_COMPLETED;
        });
        JsonNode[] last = {gw.get(B, "/api/v1/jobs/" + id, u.auth()).json()};
        assertThat(last[0].get("status").asText()).as(last[0].toString()).isEqualTo("completed");
        assertThat(last[0].get("progress").asInt()).isEqualTo(100);
        assertThat(last[0].get("result_size_bytes").asLong()).isPositive();
        return last[0];
    }

    private Path download(User u, JsonNode done, String name) throws Exception {
        String path = done.get("result_url").asText().replaceFirst("^http://[^/]+", "");
        HttpRequest.Builder get = HttpRequest.newBuilder(gw.uri(B, path)).GET();
        String[] auth = u.auth();
        get.header(auth[0], auth[1]);
        HttpResponse<Path> response = GatewayExtension.testHttpClient().send(get.build(),
                HttpResponse.BodyHandlers.ofFile(work.resolve(name)));
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static byte[] form(byte[] file, Map<String, String> fields) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
                    + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"subtitled.mp4\""
                + "\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(file);
        out.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
