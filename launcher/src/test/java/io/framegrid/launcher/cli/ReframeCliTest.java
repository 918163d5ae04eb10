package io.framegrid.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.launcher.StandaloneLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code framegrid reframe VIDEO} against a real standalone cluster (a JVM started from this class path, the shared
 * models installed): the key registered, a real video ({@code vtest.avi} from the shared media) uploaded with a
 * progress bar, the job followed to completion, the results and the reframed video saved, and that video probed.
 */
class ReframeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static FramegridProcess cluster;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("framegrid-reframe-cli");
        int reframer = LocalPorts.free();
        StandaloneLaunch launch = StandaloneLaunch.onFreePorts(dir.resolve("data"), "reframe-cli")
                .set("gateway.reframer.port", reframer)
                .set("gpu-node.models.dir", SharedFiles.models())
                .set("identity.admin.password", "AdminPass123");
        cluster = FramegridProcess.fromClasspath("standalone", launch.args("standalone"));
        cluster.awaitOutput("Framegrid standalone ready", Duration.ofSeconds(180));
        url = "http://127.0.0.1:" + reframer;
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        CoordinatorExtension.deleteRecursively(dir);
    }

    @Test
    void uploadsARealVideoFollowsItAndSavesTheResultsAndTheReframedVideo(@TempDir Path out) throws Exception {
        Path video = SharedFiles.media("vtest.avi");
        MediaInfo source = new MediaDecoder().probe(video);
        CliRun run = CliRun.of("reframe", video.toString(), "--url", url, "--email", "cli@example.com",
                "--aspect", "9:16", "--sample-every", "5", "--max-frames", "100", "--poll-ms", "200",
                "--timeout", "PT5M", "-o", out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        // The key registered, the upload's and the job's progress bars, the job id.
        assertThat(run.err()).contains("Registered cli@example.com; API key vr_", "upload", "reframe", "100%", "Job ");

        JsonNode results = JSON.readTree(out.resolve("vtest.results.json").toFile());
        assertThat(results.get("status").asText()).isEqualTo("success");
        assertThat(results.get("job_id").asText()).isEqualTo(run.err().replaceAll("(?s).*Job (\\S+).*", "$1"));
        assertThat(results.get("metadata").get("width").asInt()).isEqualTo(768);
        assertThat(results.get("metadata").get("height").asInt()).isEqualTo(576);
        // People walk through vtest: some are detected on the sampled frames.
        assertThat(results.get("detections").size()).isPositive();

        Path reframed = out.resolve("vtest.reframed.mp4");
        assertThat(run.out()).contains("Results: " + out.resolve("vtest.results.json"), "Reframed video: " + reframed);
        MediaInfo saved = new MediaDecoder().probe(reframed);
        assertThat(saved.videoCodec()).isEqualTo("h264");
        // 9:16 cut from the full height of the 768x576 source.
        assertThat(saved.height()).isEqualTo(576);
        assertThat((double) saved.width() / saved.height()).isCloseTo(9.0 / 16, Offset.offset(0.02));
        assertThat(saved.durationSeconds()).isPositive().isLessThanOrEqualTo(source.durationSeconds() + 0.5);
    }

    @Test
    void aRefusedVideoOrABadKeyExitsNonZeroInOneLine(@TempDir Path dir) throws Exception {
        Path notAVideo = Files.write(dir.resolve("clip.mp4"), new byte[] {1, 2, 3});
        CliRun refused = CliRun.of("reframe", notAVideo.toString(), "--url", url, "--email", "refused@example.com",
                "--poll-ms", "200");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("POST /process answered 400").doesNotContain("\tat ");
        assertThat(dir.resolve("clip.reframed.mp4")).doesNotExist();

        CliRun badKey = CliRun.of("reframe", notAVideo.toString(), "--url", url, "--api-key",
                "vr_abcdefghijklmnopqrstuvwxyz012345", "--poll-ms", "200");
        assertThat(badKey.exit()).isEqualTo(1);
        assertThat(badKey.err()).contains("answered 401").doesNotContain("\tat ");
    }
}
