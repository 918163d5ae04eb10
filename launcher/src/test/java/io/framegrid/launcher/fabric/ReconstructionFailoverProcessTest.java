package io.framegrid.launcher.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.ReconstructionContract.Quality;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Product D's reconstruction on a real cluster (a coordinator JVM and two gpu-node JVMs with COLMAP, one media
 * directory): the gpu-node running a COLMAP stage is SIGKILLed, its lease runs out, the stage reruns on the other node
 * from the previous stage's stored output, and the job completes with every image registered.
 */
class ReconstructionFailoverProcessTest {
    @RegisterExtension
    final SharedMediaCluster cluster = new SharedMediaCluster("reconstruction");

    @Test
    void aGpuNodeKilledMidStageLeavesTheStageToTheOtherNodeAndTheJobCompletes() throws Exception {
        cluster.startCoordinator();
        Map<String, FramegridProcess> nodes = cluster.startGpuNodes(1, "gpu-a", "gpu-b");
        try (FramegridClient client = FramegridClient.builder(cluster.target()).build()) {
            FramegridClient admin = SharedMediaCluster.admin(client);
            Map<String, String> nodeIds = SharedMediaCluster.awaitNodeIds(admin, 2);
            FramegridClient user = SharedMediaCluster.newUser(client, "mesher");
            ReconstructionClient recon = new ReconstructionClient(user);

            long project = recon.createAsync("P8 failover", "").get().getId();
            List<Media> images = new ArrayList<>();
            List<Path> files;
            try (var s = Files.list(SharedFiles.root().resolve("media/multiview/herz-jesu-p8/images"))) {
                files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
            }
            for (Path f : files) {
                try (InputStream in = Files.newInputStream(f)) {
                    images.add(recon.uploadImageAsync(project, in, f.getFileName().toString(), "image/jpeg").get());
                }
            }
            recon.attachImagesAsync(project, images).get();
            Job job = recon.startReconstructionAsync(project, Quality.LOW).get();

            // SIGKILL whichever node runs a stage of it (COLMAP is running there).
            String[] victim = new String[1];
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (NodeStatus n : admin.nodes().list()) {
                    // One slot per node and one job of sequential stages: the node with a task runs that COLMAP.
                    if (n.getRunningTasks() > 0 && !colmap().isEmpty()) {
                        victim[0] = n.getName();
                        return true;
                    }
                }
                return false;
            });
            List<ProcessHandle> before = colmap();
            nodes.get(victim[0]).close();
            // The killed JVM's COLMAP runs on as an orphan (no longer under this test's process tree); a machine that
            // died would take it along, so it goes here too.
            List<ProcessHandle> after = colmap();
            before.stream().filter(h -> !after.contains(h)).forEach(ProcessHandle::destroyForcibly);
            String survivor = victim[0].equals("gpu-a") ? "gpu-b" : "gpu-a";
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).noneMatch(victim[0]::equals));

            Job done = user.jobsAsync().terminal(job.getJobId()).get(6, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
            assertThat(done.getTasksDone()).isEqualTo(4);
            List<String> log = new ArrayList<>();
            user.jobs().logs(done.getJobId(), 0, false).forEachRemaining(l -> log.add(l.getMessage()));
            assertThat(log).anyMatch(l -> l.contains("on node " + nodeIds.get(victim[0])
                    + " expired; task re-queued"));
            ReconstructionResult result = recon.resultAsync(done.getJobId()).get();
            assertThat(result.getRegisteredImages()).isGreaterThanOrEqualTo(7);
            assertThat(result.getMeanReprojectionErrorPx()).isLessThan(1.0);
            assertThat(nodes.get(survivor).isAlive()).isTrue();
        }
    }

    /** COLMAP processes in this test's process tree (under the gpu-node JVMs). */
    private static List<ProcessHandle> colmap() {
        return ProcessHandle.current().descendants()
                .filter(d -> d.info().command().map(c -> c.endsWith("colmap")).orElse(false)).toList();
    }
}
