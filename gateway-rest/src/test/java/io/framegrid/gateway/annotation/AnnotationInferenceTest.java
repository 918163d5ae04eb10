package io.framegrid.gateway.annotation;

import static io.framegrid.gateway.annotation.AnnotationFixtures.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.framegrid.gpunode.engine.motion.DashcamClip;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Speed inference end to end: real coordinator, gateway and gpu-node. Two rendered dashcam clips (a camera 1.4 m
 * above a ground textured with a real photo, driven at the real speed profile of {@code speeds-20hz.txt} from sample
 * 16,400: 60 s to train on, with its speeds uploaded as CSV; the next 30 s to test on) go through upload_video;
 * an admin trains a model on the cluster, and inference on the unseen clip is compared with the true speeds.
 */
class AnnotationInferenceTest {
    private static final int FPS = 20;
    private static final int TRAIN_FRAMES = 60 * FPS;
    private static final int TEST_FRAMES = 30 * FPS;
    private static final String BOUNDARY = "----framegridinference";

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.annotation.inference-timeout", "240s")).withGpuNode();

    private static Path dir;
    private static List<Double> speeds;
    private static Annotator owner;
    private static String trainVideo;
    private static String testVideo;

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    @BeforeAll
    static void renderAndUpload() throws Exception {
        dir = Files.createTempDirectory("framegrid-inference");
        List<String> lines = Files.readAllLines(SharedFiles.media("telemetry/speeds-20hz.txt"));
        speeds = new ArrayList<>();
        for (int i = 16_400; i < 16_400 + TRAIN_FRAMES + TEST_FRAMES + 1; i++) {
            speeds.add(Double.parseDouble(lines.get(i).trim()));
        }
        Path train = dir.resolve("train.mp4");
        Path test = dir.resolve("test.mp4");
        Path texture = SharedFiles.media("images/kite.jpg");
        DashcamClip.render(texture, speeds.subList(0, TRAIN_FRAMES), FPS, 320, 240, train);
        DashcamClip.render(texture, speeds.subList(TRAIN_FRAMES, TRAIN_FRAMES + TEST_FRAMES + 1), FPS, 320, 240, test);
        owner = new AnnotationFixtures(gw).annotator();
        trainVideo = upload(train);
        testVideo = upload(test);
        StringBuilder csv = new StringBuilder("timestamp,speed\n");
        for (int i = 0; i < TRAIN_FRAMES; i++) {
            csv.append(i * 1000 / FPS).append(',').append(String.format(Locale.ROOT, "%.4f", speeds.get(i))).append('\n');
        }
        Reply up = new AnnotationFixtures(gw).multipart("/api/data/upload_csv", owner, "csv_file", csv.toString(),
                "video_id", trainVideo);
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (dir != null) CoordinatorExtension.deleteRecursively(dir);
    }

    private static String upload(Path clip) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"video_file\"; filename=\""
                + clip.getFileName() + "\"\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(clip));
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        Reply r = gw.send(HttpRequest.newBuilder(gw.uri("annotation", "/api/data/upload_video"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), owner.bearer());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("video_id").asText();
    }

    private static Reply run(Annotator who, String video, String query) {
        return gw.postJson("annotation", "/api/inference/run" + query, "{\"video_id\":\"" + video + "\"}", who.bearer());
    }

    @Test
    void trainedOnOneStretchItEstimatesTheNextWithinAMetrePerSecond() {
        Annotator admin = fx.admin();
        Reply untrained = run(owner, testVideo, "");
        assertError(untrained, 409);
        assertThat(untrained.json().get("message").asText()).contains("POST /api/inference/train");
        assertError(gw.postJson("annotation", "/api/inference/train", "{}", owner.bearer()), 403);
        assertThat(gw.get("annotation", "/api/inference/models", owner.bearer()).json().get("latest").isNull()).isTrue();

        Reply trained = gw.postJson("annotation", "/api/inference/train", "", admin.bearer());
        assertThat(trained.status()).as(trained.toString()).isEqualTo(200);
        JsonNode model = trained.json().get("model");
        assertThat(model.get("version").asInt()).isEqualTo(1);
        assertThat(model.get("samples").asInt()).isBetween(TRAIN_FRAMES / 2 - 2, TRAIN_FRAMES / 2);
        JsonNode models = gw.get("annotation", "/api/inference/models", owner.bearer()).json();
        assertThat(models.get("latest").asInt()).isEqualTo(1);
        assertThat(models.get("models")).hasSize(1);

        Reply ran = run(owner, testVideo, "");
        assertThat(ran.status()).as(ran.toString()).isEqualTo(200);
        assertThat(ran.json().get("status").asText()).isEqualTo("success");
        assertThat(ran.json().get("video_id").asText()).isEqualTo(testVideo);
        JsonNode predictions = ran.json().get("predictions");
        assertThat(predictions.size()).isBetween(TEST_FRAMES / 2 - 1, TEST_FRAMES / 2);
        double error = 0;
        double minConfidence = 1;
        double maxConfidence = 0;
        for (JsonNode p : predictions) {
            long t = p.get("timestamp").asLong();
            // The 10 Hz slot [k, k+2) is stamped at its middle, k + 1 frames.
            int k = (int) Math.round(t * FPS / 1000.0) - 1;
            double truth = (speeds.get(TRAIN_FRAMES + k) + speeds.get(TRAIN_FRAMES + k + 1)) / 2;
            error += Math.abs(p.get("predicted_speed").asDouble() - truth);
            minConfidence = Math.min(minConfidence, p.get("confidence").asDouble());
            maxConfidence = Math.max(maxConfidence, p.get("confidence").asDouble());
        }
        double mae = error / predictions.size();
        System.out.printf("Cluster inference MAE on the unseen 30 s: %.3f m/s (confidence %.2f..%.2f)%n", mae,
                minConfidence, maxConfidence);
        assertThat(mae).isLessThanOrEqualTo(1.0);
        assertThat(minConfidence).isLessThan(maxConfidence);
        assertThat(maxConfidence).isLessThanOrEqualTo(1.0);

        // The video's shift moves every prediction's timestamp; asynchronously this time.
        assertThat(gw.postJson("annotation", "/api/annotations/" + testVideo + "/shift_timestamp",
                "{\"timestamp_offset\":1.5}", owner.bearer()).status()).isEqualTo(200);
        Reply accepted = run(owner, testVideo, "?async=true");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        String job = accepted.json().get("job_id").asText();
        JsonNode[] done = new JsonNode[1];
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250)).until(() -> {
            done[0] = gw.get("annotation", "/api/inference/jobs/" + job, owner.bearer()).json();
            return !done[0].get("status").asText().matches("queued|processing");
        });
        assertThat(done[0].get("status").asText()).as(done[0].toString()).isEqualTo("completed");
        JsonNode shifted = done[0].get("result").get("predictions");
        assertThat(shifted.get(0).get("timestamp").asLong()).isEqualTo(predictions.get(0).get("timestamp").asLong() + 1500);
        assertError(gw.get("annotation", "/api/inference/jobs/" + job, fx.annotator().bearer()), 404);
        assertError(run(owner, "no-such-video", ""), 404);
        assertError(gw.postJson("annotation", "/api/inference/run", "{}", owner.bearer()), 400);
    }
}
