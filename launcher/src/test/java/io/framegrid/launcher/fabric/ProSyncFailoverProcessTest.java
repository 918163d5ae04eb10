package io.framegrid.launcher.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.studio.DubbedClip;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.ProSyncTimeline;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Product B's pro-sync on a real cluster (a coordinator JVM and two gpu-node JVMs sharing one media directory): a
 * gpu-node is SIGKILLed while it renders pieces of a three-segment dubbing job, and the job still completes on the
 * survivor with every segment dubbed (its audio the segment's crop of speech.wav, normalised cross-correlation
 * ≥ 0.9, the original two-tone track elsewhere, the input's duration) and every piece committed exactly once. An
 * erasure over the whole clip makes each piece render frames, so pieces run long enough to be caught mid-task.
 */
class ProSyncFailoverProcessTest {
    private static final double[][] SEGMENTS = {{0.5, 1.5, 0.0}, {2.0, 3.0, 1.5}, {4.0, 5.0, 3.0}};

    @RegisterExtension
    final SharedMediaCluster cluster = new SharedMediaCluster("prosync");

    @Test
    void aGpuNodeKilledDuringDubbingLeavesEverySegmentDubbedOnce() throws Exception {
        Path work = cluster.dir("work");
        Path tone = work.resolve("tone.wav");
        DubbedClip.writeTone(tone, 6.0, 44_100);
        Mat photo = imread(SharedFiles.media("images/person.jpg").toString());
        Mat small = new Mat();
        resize(photo, small, new Size(320, 240));
        Path video = work.resolve("head.mp4");
        new MediaEncoder().encode(video, VideoEncodeSettings.mp4(), 25, Collections.nCopies(150, small), List.of(tone));
        Path speech = SharedFiles.media("speech.wav");

        cluster.startCoordinator();
        FramegridProcess nodeA = cluster.startGpuNodes(2, "gpu-a", "gpu-b").get("gpu-a");
        try (FramegridClient client = FramegridClient.builder(cluster.target()).build()) {
            FramegridClient admin = SharedMediaCluster.admin(client);
            Map<String, String> nodeIds = SharedMediaCluster.awaitNodeIds(admin, 2);
            FramegridClient user = SharedMediaCluster.newUser(client, "prosync");
            StudioClient studio = user.product(StudioClient.class);

            // Probes first, finished before the job: only the job's own tasks can then run on gpu-a.
            Media input = upload(studio, video, "head.mp4", "video/mp4");
            ProbedVideo probed = studio.probeAsync(input.getMediaId(), Duration.ofSeconds(60)).join();
            Media audio = upload(studio, speech, "speech.wav", "audio/wav");
            studio.probeAudioAsync(audio.getMediaId(), Duration.ofSeconds(60)).join();
            List<ProSyncTimeline.Segment> segments = new ArrayList<>();
            for (double[] s : SEGMENTS) {
                segments.add(new ProSyncTimeline.Segment(s[0], s[1], 0, s[2], s[2] + (s[1] - s[0])));
            }
            List<ProSyncTimeline.Effect> effects = List.of(
                    new ProSyncTimeline.Effect("erasure", 0, 6, 40, 40, 120, 90, "", ""));
            String jobId = studio.submitAsync(SubmitStudioJobRequest.newBuilder().setJobType(StudioContract.PRO_SYNC)
                    .setInputMediaId(input.getMediaId()).setDurationSeconds(3.0)
                    .putParameters(StudioContract.PRO_SYNC_SEGMENTS, ProSyncTimeline.encodeSegments(segments))
                    .putParameters(StudioContract.PRO_SYNC_EFFECTS, ProSyncTimeline.encodeEffects(effects))
                    .putParameters(StudioContract.PRO_SYNC_AUDIO, audio.getMediaId())
                    .putMetadata("segments_count", "3")
                    .putMetadata("video_duration", Double.toString(probed.getDurationSeconds()))
                    .putMetadata("audio_files_count", "1").putMetadata("effects_count", "1")
                    .build()).join().getJob().getJobId();

            await().atMost(Duration.ofSeconds(120)).until(() -> admin.nodes().list().stream()
                    .anyMatch(n -> n.getName().equals("gpu-a") && n.getRunningTasks() > 0));
            nodeA.close();
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).noneMatch("gpu-a"::equals));

            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Job job = studio.jobAsync(jobId).join().getJob();
                assertThat(job.getStatus()).as(job.getErrorMessage()).isNotEqualTo(JobStatus.JOB_STATUS_FAILED);
                return job.getStatus() == JobStatus.JOB_STATUS_COMPLETED;
            });
            StudioJob done = studio.jobAsync(jobId).join();
            assertThat(done.getResultMediaId()).isNotEmpty();
            assertThat(done.getCreditsUsed()).isEqualTo(3);
            assertThat(done.getJob().getTasksDone()).isEqualTo(done.getJob().getTasksTotal());

            List<String> log = new ArrayList<>();
            user.jobs().logs(jobId, 0, false).forEachRemaining(l -> log.add(l.getMessage()));
            assertThat(log).anyMatch(l -> l.contains("on node " + nodeIds.get("gpu-a") + " expired; task re-queued"));
            // Exactly once: one committed render line per piece (the mux's one line aside), none twice.
            List<String> rendered = log.stream().filter(l -> l.contains(" audio samples (gain "))
                    .map(l -> l.substring(0, l.indexOf(" on "))).toList();
            Map<String, Long> perPiece = rendered.stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(perPiece).as(log.toString()).allSatisfy((piece, n) -> assertThat(n).as(piece).isEqualTo(1));
            assertThat(rendered).hasSize(done.getJob().getTasksTotal() - 1);
            assertThat(perPiece.keySet()).contains("Processing segment 1 of 3", "Processing segment 2 of 3",
                    "Processing segment 3 of 3");
            assertThat(log.stream().filter(l -> l.startsWith("Encoded ")).count()).isEqualTo(1);
            assertThat(log).anyMatch(l -> l.contains(" audio samples (gain ") && l.contains("on " + nodeIds.get("gpu-b")));

            Path result = work.resolve("dubbed.mp4");
            try (OutputStream out = Files.newOutputStream(result)) {
                user.mediaAsync().downloadTo(done.getResultMediaId(), out).join();
            }
            MediaInfo in = new MediaDecoder().probe(video);
            MediaInfo out = new MediaDecoder().probe(result);
            assertThat(out.durationSeconds()).isEqualTo(in.durationSeconds(), Offset.offset(0.15));
            assertThat(out.width()).isEqualTo(320);
            float[] dubbed = DubbedClip.mono16k(result);
            float[] crops = DubbedClip.mono16k(speech);
            float[] original = DubbedClip.mono16k(tone);
            for (double[] seg : SEGMENTS) {
                assertThat(DubbedClip.ncc(dubbed, seg[0] + 0.05, crops, seg[2] + 0.05, 0.9))
                        .as("segment at %.1f s against its crop", seg[0]).isGreaterThanOrEqualTo(0.9);
            }
            for (double[] gap : new double[][] {{0.0, 0.4}, {1.6, 1.9}, {3.1, 3.9}, {5.1, 5.8}}) {
                assertThat(DubbedClip.ncc(dubbed, gap[0], original, gap[0], gap[1] - gap[0]))
                        .as("original audio at %.1f s", gap[0]).isGreaterThanOrEqualTo(0.9);
            }
        }
    }

    private static Media upload(StudioClient studio, Path file, String name, String type) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return studio.uploadAsync(in, name, type).join();
        }
    }
}
