package io.framegrid.launcher.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reframer.ReframerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Product C's analysis on a real cluster (a coordinator JVM and two gpu-node JVMs sharing one media directory):
 * a gpu-node is SIGKILLed while it scans frame ranges of vtest, and the job still completes with exactly the
 * results of an analysis nobody interrupted.
 */
class ReframerFailoverProcessTest {
    @RegisterExtension
    final SharedMediaCluster cluster = new SharedMediaCluster("reframer");

    @Test
    void aGpuNodeKilledDuringTheAnalysisLeavesCompleteAndCorrectResults() throws Exception {
        cluster.startCoordinator();
        FramegridProcess nodeA = cluster.startGpuNodes(2, "gpu-a", "gpu-b").get("gpu-a");

        Path vtest = SharedFiles.root().resolve("media/vtest.avi");
        // 200 frames in ranges of 40: five scans and five mask tasks spread over both nodes.
        Map<String, String> options = Map.of("max_frames", "200", "range_frames", "40", "sample_every", "5");
        try (FramegridClient client = FramegridClient.builder(cluster.target()).build()) {
            FramegridClient admin = SharedMediaCluster.admin(client);
            Map<String, String> nodeIds = SharedMediaCluster.awaitNodeIds(admin, 2);
            FramegridClient user = SharedMediaCluster.newUser(client, "reframer");
            ReframerClient reframer = new ReframerClient(user);

            ReframerClient.ReframerJob interrupted = reframer.process(vtest, options);
            // SIGKILL gpu-a while it holds leases on tasks of the analysis.
            await().atMost(Duration.ofSeconds(120)).until(() -> admin.nodes().list().stream()
                    .anyMatch(n -> n.getName().equals("gpu-a") && n.getRunningTasks() > 0));
            nodeA.close();
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).noneMatch("gpu-a"::equals));
            Job done = interrupted.await(Duration.ofMinutes(4), job -> { });
            assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
            // 5 scans + tracking + 5 mask ranges + render, each committed once.
            assertThat(done.getTasksDone()).isEqualTo(12);
            List<String> log = new ArrayList<>();
            user.jobs().logs(done.getJobId(), 0, false).forEachRemaining(l -> log.add(l.getMessage()));
            // gpu-a's leases ran out and its ranges were scanned again, on gpu-b.
            assertThat(log).anyMatch(l -> l.contains("on node " + nodeIds.get("gpu-a") + " expired; task re-queued"));
            assertThat(log).anyMatch(l -> l.startsWith("Scanned") && l.contains("on " + nodeIds.get("gpu-b")));

            // The same analysis again, with nothing killed, on the surviving node.
            ReframerClient.ReframerJob reference = reframer.process(vtest, options);
            Job referenceDone = reference.await(Duration.ofMinutes(4), job -> { });
            assertThat(referenceDone.getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);

            ReframerResults actual = interrupted.results().toBuilder().clearJobId().build();
            ReframerResults expected = reference.results().toBuilder().clearJobId().build();
            assertThat(actual.getDetectionsCount()).isEqualTo(40);
            assertThat(actual.getTrackingCount()).isPositive();
            assertThat(actual.getSegmentationMasksCount()).isPositive();
            assertThat(actual).isEqualTo(expected);
        }
    }
}
