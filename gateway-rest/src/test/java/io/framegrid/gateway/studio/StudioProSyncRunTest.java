package io.framegrid.gateway.studio;

import static io.framegrid.gateway.studio.StudioFixtures.B;
import static io.framegrid.gpunode.studio.DubbedClip.mono16k;
import static io.framegrid.gpunode.studio.DubbedClip.ncc;
import static io.framegrid.gpunode.studio.DubbedClip.writeTone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.studio.StudioFixtures.User;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pro-sync run for real over HTTP by a real gpu-node (CPU): a 6 s talking-head video made from a photo (a 440 Hz
 * tone as its audio) and three segments dubbed with crops of the shared {@code speech.wav}. Over each segment the
 * result's audio is the crop (normalised cross-correlation ≥ 0.9), elsewhere the tone; size, rate and duration are
 * the input's; the protected box is the input's in every frame though an erasure and a text cover it; the text box
 * changed; credits are the segments' started seconds; a queued job cancelled is refunded; bad submissions are 400
 * INVALID_SEGMENT_CONFIG / INVALID_AUDIO and 403 past the tier's segment limit, keeping nothing.
 */
class StudioProSyncRunTest {
    private static final String BOUNDARY = "----framegridprosync";
    private static final double[][] SEGMENTS = {{0.5, 1.5, 0.0}, {2.0, 3.0, 1.5}, {4.0, 5.0, 3.0}};
    private static final int W = 320;
    private static final int H = 240;
    private static final int[] PROTECTED = {60, 50, 40, 30};
    private static final int[] TEXT = {150, 150, 120, 40};

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of()).withGpuNode();

    private static Path work;
    private static Path video;
    private static Path tone;
    private final StudioFixtures fx = new StudioFixtures(gw);

    @BeforeAll
    static void prepare() throws Exception {
        work = Files.createTempDirectory("framegrid-prosync");
        tone = work.resolve("tone.wav");
        writeTone(tone, 6.0, 44_100);
        Mat photo = imread(SharedFiles.media("images/person.jpg").toString());
        Mat small = new Mat();
        resize(photo, small, new Size(W, H));
        video = work.resolve("head.mp4");
        new MediaEncoder().encode(video, VideoEncodeSettings.mp4(), 25, Collections.nCopies(150, small), List.of(tone));
    }

    @AfterAll
    static void deleteWork() throws Exception {
        if (work != null) CoordinatorExtension.deleteRecursively(work);
    }

    private static String segments() {
        StringBuilder b = new StringBuilder("[");
        String[] refs = {"audio-1", "speech2", "audio-1"};
        for (int i = 0; i < SEGMENTS.length; i++) {
            double[] s = SEGMENTS[i];
            b.append(i == 0 ? "" : ",").append("{\"startTime\":").append(s[0]).append(",\"endTime\":").append(s[1])
                    .append(",\"audioInput\":{\"refId\":\"").append(refs[i]).append("\",\"duration\":4.78,")
                    .append("\"startTime\":").append(s[2]).append(",\"endTime\":").append(s[2] + 1.0)
                    .append("},\"label\":\"S").append(i).append("\"}");
        }
        return b.append("]").toString();
    }

    private static String effects() {
        return "[{\"type\":\"erasure\",\"startTime\":1.0,\"endTime\":4.0,\"coordinates\":{\"x\":40,\"y\":40,"
                + "\"width\":80,\"height\":60}},{\"type\":\"protection\",\"startTime\":0,\"endTime\":6.0,"
                + "\"coordinates\":{\"x\":" + PROTECTED[0] + ",\"y\":" + PROTECTED[1] + ",\"width\":" + PROTECTED[2]
                + ",\"height\":" + PROTECTED[3] + "}},{\"type\":\"text\",\"text\":\"HELLO\",\"color\":\"#FFFF00\","
                + "\"startTime\":0.5,\"endTime\":5.5,\"coordinates\":{\"x\":" + TEXT[0] + ",\"y\":" + TEXT[1]
                + ",\"width\":" + TEXT[2] + ",\"height\":" + TEXT[3] + "}}]";
    }

    @Test
    void threeSegmentsAreDubbedWithTheirCropsAndTheProtectedBoxIsUntouched() throws Exception {
        User u = fx.user();   // free: 100 credits, 3 segments
        Reply submitted = post(u, segments(), effects(), List.of("speech.wav", "speech2.wav"), true);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        JsonNode s = submitted.json();
        // As GhostCut's answer: the job's status at submit (a free slot admits it at once).
        assertThat(s.get("status").asText()).isIn("queued", "processing");
        assertThat(s.get("message").asText()).isEqualTo(s.get("status").asText().equals("queued")
                ? "Job queued successfully" : "Job accepted; processing started");
        assertThat(s.get("segments_count").asInt()).isEqualTo(3);
        assertThat(s.get("total_duration").asDouble()).isEqualTo(3.0);
        assertThat(s.get("estimated_credits").asInt()).isEqualTo(3);
        assertThat(s.get("estimated_processing_time_minutes").asDouble()).isPositive();
        JsonNode done = awaitDone(u, s.get("job_id").asText());
        assertThat(done.get("job_type").asText()).isEqualTo("pro_sync");
        assertThat(done.get("credits_used").asInt()).isEqualTo(3);
        JsonNode meta = done.get("metadata");
        assertThat(meta.get("segments_count").asInt()).isEqualTo(3);
        assertThat(meta.get("audio_files_count").asInt()).isEqualTo(2);
        assertThat(meta.get("effects_count").asInt()).isEqualTo(3);
        assertThat(meta.get("lipsync").asText()).isEqualTo("none");
        assertThat(meta.get("video_duration").asDouble()).isBetween(5.9, 6.1);
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(97);

        Path result = download(u, done);
        MediaInfo in = new MediaDecoder().probe(video);
        MediaInfo out = new MediaDecoder().probe(result);
        assertThat(out.videoCodec()).isEqualTo("h264");
        assertThat(out.width()).isEqualTo(W);
        assertThat(out.height()).isEqualTo(H);
        assertThat(out.fps()).isEqualTo(in.fps(), org.assertj.core.data.Offset.offset(0.01));
        assertThat(out.durationSeconds()).isEqualTo(in.durationSeconds(), org.assertj.core.data.Offset.offset(0.15));

        float[] dubbed = mono16k(result);
        float[] speech = mono16k(SharedFiles.media("speech.wav"));
        float[] original = mono16k(tone);
        for (double[] seg : SEGMENTS) {
            double ncc = ncc(dubbed, seg[0] + 0.05, speech, seg[2] + 0.05, 0.9);
            assertThat(ncc).as("segment at %.1f s against its crop", seg[0]).isGreaterThanOrEqualTo(0.9);
        }
        double[][] elsewhere = {{0.0, 0.4}, {1.6, 1.9}, {3.1, 3.9}, {5.1, 5.8}};
        for (double[] gap : elsewhere) {
            double ncc = ncc(dubbed, gap[0], original, gap[0], gap[1] - gap[0]);
            assertThat(ncc).as("original audio at %.1f s", gap[0]).isGreaterThanOrEqualTo(0.9);
        }

        List<Mat> source = frames(video);
        List<Mat> rendered = frames(result);
        assertThat(rendered.size()).isBetween(source.size() - 1, source.size() + 1);
        Rect box = new Rect(PROTECTED[0], PROTECTED[1], PROTECTED[2], PROTECTED[3]);
        Rect text = new Rect(TEXT[0], TEXT[1], TEXT[2], TEXT[3]);
        for (int i = 0; i < Math.min(source.size(), rendered.size()); i++) {
            assertThat(meanDiff(source.get(i), rendered.get(i), box)).as("protected box, frame %d", i).isLessThan(4);
            if (i >= 15 && i < 135) {
                assertThat(meanDiff(source.get(i), rendered.get(i), text)).as("text box, frame %d", i)
                        .isGreaterThan(8);
            }
        }
    }

    @Test
    void aQueuedJobCancelledIsRefunded() throws Exception {
        User u = fx.user();   // free: one job at a time, so the second waits
        String one = "[{\"startTime\":0.5,\"endTime\":1.5,\"audioInput\":{\"refId\":\"audio-1\",\"startTime\":0,"
                + "\"endTime\":1.0}}]";
        Reply first = post(u, one, null, List.of("speech.wav"), true);
        Reply second = post(u, one, null, List.of("speech.wav"), true);
        assertThat(second.status()).as(second.toString()).isEqualTo(201);
        // Behind the first job the second waits, and its answer says so.
        assertThat(second.json().get("status").asText()).as(second.toString()).isEqualTo("queued");
        assertThat(second.json().get("message").asText()).isEqualTo("Job queued successfully");
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(98);
        String id = second.json().get("job_id").asText();
        Reply del = gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/jobs/" + id)).DELETE(), u.auth());
        assertThat(del.status()).as(del.toString()).isEqualTo(200);
        assertThat(del.json().get("credits_refunded").asInt()).isEqualTo(1);
        assertThat(fx.studio(u).creditsAsync().join().getCredits()).isEqualTo(99);
        assertThat(first.status()).isEqualTo(201);
    }

    @Test
    void badSubmissionsAreRefusedAndKeepNothing() throws Exception {
        User u = fx.user("pro");
        String one = "[{\"startTime\":0.5,\"endTime\":1.5,\"audioInput\":{\"refId\":\"audio-1\",\"startTime\":0,"
                + "\"endTime\":1.0}}]";
        Reply backwards = post(u, "[{\"startTime\":3,\"endTime\":2,\"audioInput\":{\"refId\":\"audio-1\"}}]", null,
                List.of("speech.wav"), true);
        assertError(backwards, 400, "INVALID_SEGMENT_CONFIG");
        assertThat(backwards.json().get("error").get("details").get("segment_index").asInt()).isZero();
        assertError(post(u, "[{\"startTime\":4.5,\"endTime\":7.5,\"audioInput\":{\"refId\":\"audio-1\","
                + "\"startTime\":0,\"endTime\":3.0}}]", null, List.of("speech.wav"), true), 400, "INVALID_SEGMENT_CONFIG");
        Reply crop = post(u, "[{\"startTime\":0,\"endTime\":2,\"audioInput\":{\"refId\":\"audio-1\",\"startTime\":4,"
                + "\"endTime\":6}}]", null, List.of("speech.wav"), true);
        assertError(crop, 400, "INVALID_SEGMENT_CONFIG");
        assertThat(crop.json().get("error").get("details").get("audio_duration").asDouble()).isBetween(4.7, 4.85);
        assertError(post(u, one, null, List.of("notes.wav"), true), 400, "INVALID_AUDIO");
        assertError(post(u, one, null, List.of(), true), 400, "MISSING_FILE");
        assertError(post(u, one, "[{\"type\":\"glow\"}]", List.of("speech.wav"), true), 400, "INVALID_SEGMENT_CONFIG");
        assertError(post(u, one, null, List.of("speech.wav"), false), 400, "INVALID_VIDEO");
        User free = fx.user();
        StringBuilder four = new StringBuilder("[");
        for (int i = 0; i < 4; i++) {
            four.append(i == 0 ? "" : ",").append("{\"startTime\":").append(i).append(",\"endTime\":").append(i + 0.5)
                    .append(",\"audioInput\":{\"refId\":\"audio-1\",\"startTime\":0,\"endTime\":0.5}}");
        }
        assertError(post(free, four.append("]").toString(), null, List.of("speech.wav"), true), 403,
                "SEGMENT_LIMIT_EXCEEDED");
        assertThat(fx.as(u).mediaAsync().list(100, 0).join().getMediaCount()).isZero();
        assertThat(fx.as(free).mediaAsync().list(100, 0).join().getMediaCount()).isZero();
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(100);
    }

    private static void assertError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("error").get("code").asText()).as(reply.toString()).isEqualTo(code);
    }

    private JsonNode awaitDone(User u, String id) {
        io.framegrid.sdk.studio.StudioClient studio = fx.studio(u);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Job job = studio.jobAsync(id).join().getJob();
            assertThat(job.getStatus()).as(job.getErrorMessage()).isNotEqualTo(JobStatus.JOB_STATUS_FAILED);
            return job.getStatus() == JobStatus.JOB_STATUS_COMPLETED;
        });
        JsonNode detail = gw.get(B, "/api/v1/jobs/" + id, u.auth()).json();
        assertThat(detail.get("status").asText()).as(detail.toString()).isEqualTo("completed");
        return detail;
    }

    private Path download(User u, JsonNode done) throws Exception {
        String path = done.get("result_url").asText().replaceFirst("^http://[^/]+", "");
        HttpRequest.Builder get = HttpRequest.newBuilder(gw.uri(B, path)).GET();
        get.header(u.auth()[0], u.auth()[1]);
        HttpResponse<Path> response = GatewayExtension.testHttpClient().send(get.build(),
                HttpResponse.BodyHandlers.ofFile(work.resolve("result-" + System.nanoTime() + ".mp4")));
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private Reply post(User u, String segments, String effects, List<String> audioNames, boolean realVideo)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, "segments_data", segments);
        if (effects != null) {
            field(out, "effects", effects);
        }
        field(out, "display_name", "Dub");
        file(out, "file", "head.mp4", "video/mp4",
                realVideo ? Files.readAllBytes(video) : "no video".getBytes(StandardCharsets.UTF_8));
        byte[] speech = Files.readAllBytes(SharedFiles.media("speech.wav"));
        for (String name : audioNames) {
            file(out, "audio_files", name, "audio/wav",
                    name.startsWith("notes") ? "not audio".getBytes(StandardCharsets.UTF_8) : speech);
        }
        out.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/video-editors/sync/pro-sync-process"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())), u.auth());
    }

    private static void field(ByteArrayOutputStream out, String name, String value) throws Exception {
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void file(ByteArrayOutputStream out, String name, String filename, String type, byte[] bytes)
            throws Exception {
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    static List<Mat> frames(Path file) {
        List<Mat> out = new ArrayList<>();
        new MediaDecoder().decodeToList(file, io.framegrid.gpunode.media.FrameSampling.range(0, Long.MAX_VALUE))
                .forEach(f -> out.add(f.image()));
        return out;
    }

    static double meanDiff(Mat a, Mat b, Rect box) {
        try (Mat ra = new Mat(a, box); Mat rb = new Mat(b, box); Mat d = new Mat()) {
            absdiff(ra, rb, d);
            org.bytedeco.opencv.opencv_core.Scalar m = mean(d);
            return (m.get(0) + m.get(1) + m.get(2)) / 3;
        }
    }
}
