package io.framegrid.gateway.studio;

import static io.framegrid.gateway.studio.StudioFixtures.B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.studio.StudioFixtures.User;
import io.framegrid.gpunode.engine.lipsync.LipSyncModels;
import io.framegrid.gpunode.engine.lipsync.OnnxGraph;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.gpunode.studio.DubbedClip;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pro-sync with a lip-sync model, over HTTP through a real gpu-node: the test's own ONNX model of the Wav2Lip
 * contract ({@link OnnxGraph#testLipSyncModel}: the mouth turns a grey set by the mel window's loudness) installed
 * the way an operator does, a {@code *.model.properties} beside the file in the node's models folder. On a 3 s
 * clip of a still photo with one segment (1.0–2.0 s) dubbed with speech, the mouth region changes on the segment's
 * frames and nowhere else: not outside the segment, and not away from the face on the segment's frames.
 */
class StudioProSyncLipSyncTest {
    private static final String BOUNDARY = "----framegridlipsync";
    private static final Path WORK = workDir();
    private static final Path MODELS = models(WORK);

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of()).withGpuNode(MODELS);

    private final StudioFixtures fx = new StudioFixtures(gw);

    private static Path workDir() {
        try {
            return Files.createTempDirectory("framegrid-prosync-lipsync");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path models(Path work) {
        try {
            Path dir = Files.createDirectories(work.resolve("models"));
            OnnxGraph.testLipSyncModel(dir.resolve("test-lipsync.onnx"), -1);
            Files.writeString(dir.resolve("test-lipsync.model.properties"), """
                    id=test-lipsync
                    name=Test lip-sync
                    version=1
                    task=lip-sync
                    runtime=onnxruntime
                    file=test-lipsync.onnx
                    maxModelBatch=8
                    """);
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void deleteWork() throws Exception {
        CoordinatorExtension.deleteRecursively(WORK);
    }

    @Test
    void theMouthChangesOnTheLipSyncedSegmentOnly() throws Exception {
        Path tone = WORK.resolve("tone.wav");
        DubbedClip.writeTone(tone, 3.0, 44_100);
        Mat photo = imread(SharedFiles.media("images/messi5.jpg").toString());
        assertThat(photo.empty()).isFalse();
        Path video = WORK.resolve("head.mp4");
        new MediaEncoder().encode(video, VideoEncodeSettings.mp4(), 25, Collections.nCopies(75, photo), List.of(tone));
        Rect face = face(photo);
        Rect mouth = new Rect(face.x(), face.y() + face.height() / 2, face.width(), face.height() / 2);
        // Away from the face (and its padded paste): the band above it.
        Rect away = new Rect(0, 0, photo.cols(), Math.max(8, face.y() - face.height() / 3));

        User u = fx.user();
        String segments = "[{\"startTime\":1.0,\"endTime\":2.0,\"audioInput\":{\"refId\":\"audio-1\",\"startTime\":1.0,"
                + "\"endTime\":2.0}}]";
        Reply submitted = post(u, video, segments);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        String id = submitted.json().get("job_id").asText();
        io.framegrid.sdk.studio.StudioClient studio = fx.studio(u);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Job job = studio.jobAsync(id).join().getJob();
            assertThat(job.getStatus()).as(job.getErrorMessage()).isNotEqualTo(JobStatus.JOB_STATUS_FAILED);
            return job.getStatus() == JobStatus.JOB_STATUS_COMPLETED;
        });
        JsonNode done = gw.get(B, "/api/v1/jobs/" + id, u.auth()).json();
        assertThat(done.get("metadata").get("lipsync").asText()).as(done.toString()).isEqualTo("test-lipsync@1");

        List<Mat> source = StudioProSyncRunTest.frames(video);
        List<Mat> result = StudioProSyncRunTest.frames(download(u, done));
        assertThat(result.size()).isBetween(source.size() - 1, source.size() + 1);
        double quietest = Double.POSITIVE_INFINITY;
        double outside = 0;
        double awayMax = 0;
        // Frames 25..49 are the segment's; a frame of margin each side for the cut's rounding.
        for (int i = 0; i < Math.min(source.size(), result.size()); i++) {
            double m = StudioProSyncRunTest.meanDiff(result.get(i), source.get(i), mouth);
            if (i >= 26 && i <= 48) {
                quietest = Math.min(quietest, m);
                awayMax = Math.max(awayMax, StudioProSyncRunTest.meanDiff(result.get(i), source.get(i), away));
            } else if (i < 24 || i > 50) {
                outside = Math.max(outside, m);
            }
        }
        System.out.printf("lip-sync: mouth diff on the segment >= %.1f, off it <= %.1f; away from the face <= %.1f%n",
                quietest, outside, awayMax);
        // Re-encoding alone moves a still photo's pixels by a level or two on average.
        assertThat(outside).as("mouth region off the segment").isLessThan(4);
        assertThat(awayMax).as("away from the face on the segment").isLessThan(4);
        assertThat(quietest).as("mouth region on the segment").isGreaterThan(Math.max(8, 3 * outside));
    }

    private static Rect face(Mat photo) throws Exception {
        ModelRegistry builtins = new ModelRegistry(null);
        try (Detector faces = new DetectorFactory(builtins, ComputeDevice.cpuOnly().kernels())
                .load(builtins.find(LipSyncModels.FACE_MODEL).orElseThrow())) {
            Detection d = faces.detect(List.of(photo), 0.3f).get(0).stream()
                    .max(Comparator.comparingDouble(f -> f.width() * f.height()))
                    .orElseThrow(() -> new AssertionError("no face in the photo"));
            return new Rect((int) d.x(), (int) d.y(), (int) d.width(), (int) d.height());
        }
    }

    private Path download(User u, JsonNode done) throws Exception {
        String path = done.get("result_url").asText().replaceFirst("^http://[^/]+", "");
        HttpRequest.Builder get = HttpRequest.newBuilder(gw.uri(B, path)).GET();
        get.header(u.auth()[0], u.auth()[1]);
        HttpResponse<Path> response = GatewayExtension.testHttpClient().send(get.build(),
                HttpResponse.BodyHandlers.ofFile(WORK.resolve("result.mp4")));
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private Reply post(User u, Path video, String segments) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        part(out, "segments_data", null, null, segments.getBytes(StandardCharsets.UTF_8));
        part(out, "file", "head.mp4", "video/mp4", Files.readAllBytes(video));
        part(out, "audio_files", "speech.wav", "audio/wav", Files.readAllBytes(SharedFiles.media("speech.wav")));
        out.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/video-editors/sync/pro-sync-process"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())), u.auth());
    }

    private static void part(ByteArrayOutputStream out, String name, String filename, String type, byte[] bytes)
            throws Exception {
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"\r\nContent-Type: " + type) + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }
}
