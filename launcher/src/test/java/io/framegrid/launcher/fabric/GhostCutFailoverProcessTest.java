package io.framegrid.launcher.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.gpunode.studio.TextClip;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.ProbedVideo;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Product B's text removal on a real cluster (a coordinator JVM and two gpu-node JVMs sharing one media directory):
 * a gpu-node is SIGKILLed while it runs ranges of a GhostCut job, and the job still completes with the video an
 * uninterrupted run produces. Tolerance: every decoded frame of the two results at least {@link #SAME_DB} dB PSNR
 * apart — the pipeline is deterministic by construction (frames sampled by index, tracks rebuilt from all ranges,
 * lossless intermediate frames, one H.264 encode at the end), so the results are expected to be identical; the bound
 * only allows the encoder's rounding should FFmpeg's threading ever reorder it, and is far above what any missed or
 * extra erased text would score (a subtitle left in or erased differently costs well under 30 dB on its frames).
 */
class GhostCutFailoverProcessTest {
    static final double SAME_DB = 45;
    @RegisterExtension
    final SharedMediaCluster cluster = new SharedMediaCluster("ghostcut");

    @Test
    void aGpuNodeKilledDuringTextRemovalLeavesTheVideoOfAnUninterruptedRun() throws Exception {
        Path work = cluster.dir("work");
        TextClip clip = TextClip.write(work, 120);
        cluster.startCoordinator();
        FramegridProcess nodeA = cluster.startGpuNodes(2, "gpu-a", "gpu-b").get("gpu-a");

        try (FramegridClient client = FramegridClient.builder(cluster.target()).build()) {
            FramegridClient admin = SharedMediaCluster.admin(client);
            Map<String, String> nodeIds = SharedMediaCluster.awaitNodeIds(admin, 2);
            FramegridClient user = SharedMediaCluster.newUser(client, "ghostcut");
            StudioClient studio = user.product(StudioClient.class);

            // 120 frames in ranges of 20: six detect and six erase tasks spread over both nodes, then the mux.
            String interrupted = submit(studio, clip.file);
            await().atMost(Duration.ofSeconds(120)).until(() -> admin.nodes().list().stream()
                    .anyMatch(n -> n.getName().equals("gpu-a") && n.getRunningTasks() > 0));
            nodeA.close();
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).noneMatch("gpu-a"::equals));
            StudioJob done = completed(studio, interrupted);
            assertThat(done.getJob().getTasksDone()).isEqualTo(13);
            List<String> log = new ArrayList<>();
            user.jobs().logs(interrupted, 0, false).forEachRemaining(l -> log.add(l.getMessage()));
            assertThat(log).anyMatch(l -> l.contains("on node " + nodeIds.get("gpu-a") + " expired; task re-queued"));
            assertThat(log).anyMatch(l -> (l.startsWith("Detected") || l.startsWith("Erased"))
                    && l.contains("on " + nodeIds.get("gpu-b")));

            // The same job again, with nothing killed, on the surviving node.
            StudioJob reference = completed(studio, submit(studio, clip.file));

            List<Mat> actual = TextClip.frames(download(user, done, work.resolve("interrupted.mp4")));
            List<Mat> expected = TextClip.frames(download(user, reference, work.resolve("reference.mp4")));
            assertThat(actual).hasSameSizeAs(expected);
            assertThat(actual.size()).isBetween(clip.frames - 1, clip.frames + 1);
            double worst = Double.POSITIVE_INFINITY;
            int identical = 0;
            for (int i = 0; i < actual.size(); i++) {
                double db = TextClip.framePsnr(actual, expected, i);
                worst = Math.min(worst, db);
                identical += Double.isInfinite(db) ? 1 : 0;
            }
            System.out.printf("GhostCut failover: %d of %d frames identical, worst frame %.1f dB%n", identical,
                    actual.size(), worst);
            assertThat(worst).as("worst frame PSNR between the interrupted and the reference run").isGreaterThan(SAME_DB);
            // And the text really went: the subtitle's area is closer to the clean frames than the input's.
            List<Mat> input = TextClip.frames(clip.file);
            double before = TextClip.psnr(input, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT,
                    true, 0);
            double after = TextClip.psnr(actual, clip.clean, TextClip.TEXT_FIRST, TextClip.TEXT_LAST, TextClip.TEXT,
                    true, 0);
            assertThat(after).as("before %.1f dB, after %.1f dB", before, after).isGreaterThan(before + 6);
        }
    }

    private static String submit(StudioClient studio, Path video) throws Exception {
        Media input;
        try (InputStream in = Files.newInputStream(video)) {
            input = studio.uploadAsync(in, "subtitled.mp4", "video/mp4").join();
        }
        ProbedVideo probed = studio.probeAsync(input.getMediaId(), Duration.ofSeconds(60)).join();
        return studio.submitAsync(SubmitStudioJobRequest.newBuilder().setJobType(StudioContract.GHOSTCUT_SIMPLE)
                .setInputMediaId(input.getMediaId()).setDurationSeconds(probed.getDurationSeconds())
                .putParameters(StudioContract.AUTO_DETECT, "true").putParameters(StudioContract.RANGE_FRAMES, "20")
                .build()).join().getJob().getJobId();
    }

    private static StudioJob completed(StudioClient studio, String jobId) {
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Job job = studio.jobAsync(jobId).join().getJob();
            assertThat(job.getStatus()).as(job.getErrorMessage()).isNotEqualTo(JobStatus.JOB_STATUS_FAILED);
            return job.getStatus() == JobStatus.JOB_STATUS_COMPLETED;
        });
        StudioJob done = studio.jobAsync(jobId).join();
        assertThat(done.getResultMediaId()).isNotEmpty();
        assertThat(done.getCreditsUsed()).isEqualTo(12);
        return done;
    }

    private static Path download(FramegridClient user, StudioJob job, Path to) throws Exception {
        try (OutputStream out = Files.newOutputStream(to)) {
            user.mediaAsync().downloadTo(job.getResultMediaId(), out).join();
        }
        return to;
    }
}
