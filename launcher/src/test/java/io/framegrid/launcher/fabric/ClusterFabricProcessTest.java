package io.framegrid.launcher.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.LocalPorts;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.jobs.JobsClient;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real cluster on loopback: one coordinator JVM (grid server) and two gpu-node JVMs (grid clients),
 * started through the launcher exactly as operators start them.
 */
class ClusterFabricProcessTest {
    private static final Duration START = Duration.ofSeconds(120);
    @RegisterExtension
    final LoopbackProcesses cluster = new LoopbackProcesses();
    private final int discovery = LocalPorts.free();
    private final int grpc = LocalPorts.free();

    private List<String> common(String role, Path dataDir, String name, int discoveryPort) {
        return LoopbackRoles.args(role, dataDir, name, discoveryPort, discovery, "2s", "300ms",
                Map.of("jobs.tier-limit.free", "100"));
    }

    private FramegridProcess coordinator(Path dataDir) throws Exception {
        List<String> args = common("coordinator", dataDir, "fabric-coord", discovery);
        args.addAll(List.of("--set", "coordinator.grpc.port=" + grpc, "--set", "identity.admin.password=AdminPass123"));
        return cluster.start("coordinator", args);
    }

    private FramegridProcess gpuNode(String name, Path dataDir) throws Exception {
        List<String> args = common("gpu-node", dataDir, name, LocalPorts.free());
        args.addAll(List.of("--set", "gpu-node.grpc.port=0", "--set", "gpu-node.task-slots=4"));
        return cluster.start(name, args);
    }

    @Test
    void fiftyJobsSurviveASigkilledGpuNodeAndEverythingSurvivesAFullRestart() throws Exception {
        Path coordDir = cluster.dir("fabric-coord");
        FramegridProcess coordinator = coordinator(coordDir);
        coordinator.awaitOutput("Framegrid coordinator ready", START);
        FramegridProcess nodeA = gpuNode("gpu-a", cluster.dir("fabric-gpu-a"));
        FramegridProcess nodeB = gpuNode("gpu-b", cluster.dir("fabric-gpu-b"));
        nodeA.awaitOutput("Framegrid gpu-node ready", START);
        nodeB.awaitOutput("Framegrid gpu-node ready", START);

        List<Job> submitted = new ArrayList<>();
        Media media;
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:" + grpc).build()) {
            FramegridClient admin = client.withBearerToken(
                    client.identity().login("admin", "AdminPass123").getAccessToken());
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.nodes().list().size() == 2);
            client.identity().register(RegisterRequest.newBuilder().setEmail("fabric@example.com")
                    .setUsername("fabric").setPassword("Sup3rSecret").build());
            FramegridClient user = client.withBearerToken(
                    client.identity().login("fabric", "Sup3rSecret").getAccessToken());
            JobsClient jobs = user.jobs();
            media = user.media().upload(UploadHeader.newBuilder().setFilename("keep.bin").build(),
                    new ByteArrayInputStream(new byte[123_456]));
            for (int i = 0; i < 50; i++) {
                submitted.add(jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2", "work_ms", "300")));
            }

            // Kill gpu-a with SIGKILL while it holds leases on running tasks.
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.nodes().list().stream()
                    .anyMatch(n -> n.getName().equals("gpu-a") && n.getRunningTasks() > 0 && n.getTasksCompleted() > 2));
            nodeA.close();
            // Noticed within a few seconds (missed heartbeats), whatever the grid's failure detection takes.
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).noneMatch("gpu-a"::equals));
            // The survivor may itself miss a beat while the grid remaps gpu-a's partitions; it is listed after.
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    admin.nodes().list().stream().map(NodeStatus::getName).toList().equals(List.of("gpu-b")));

            await().atMost(Duration.ofSeconds(120)).until(() -> submitted.stream()
                    .allMatch(j -> JobLedger.isTerminal(jobs.get(j.getJobId()).getStatus())));
            int requeued = 0;
            for (Job j : submitted) {
                Job done = jobs.get(j.getJobId());
                assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
                // 2 writes + 1 merge (which re-reads and checks each write's output); a second commit would count twice.
                assertThat(done.getTasksDone()).isEqualTo(3);
                assertThat(done.getResultRefsList()).hasSize(3).doesNotHaveDuplicates();
                List<String> lines = new ArrayList<>();
                jobs.logs(j.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
                if (lines.stream().anyMatch(l -> l.contains("expired; task re-queued"))) {
                    requeued++;
                }
            }
            assertThat(requeued).as("jobs whose task ran again after gpu-a died").isPositive();
        }

        // Stop every process, start the cluster again on the same data directories.
        nodeB.stop(Duration.ofSeconds(30));
        coordinator.stop(Duration.ofSeconds(60));
        FramegridProcess restarted = coordinator(coordDir);
        restarted.awaitOutput("Framegrid coordinator ready", START);
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:" + grpc).build()) {
            FramegridClient user = client.withBearerToken(
                    client.identity().login("fabric", "Sup3rSecret").getAccessToken());
            JobsClient jobs = user.jobs();
            assertThat(jobs.list(ListJobsRequest.newBuilder().addStatuses(JobStatus.JOB_STATUS_COMPLETED)
                    .setLimit(100).build()).getTotal()).isEqualTo(50);
            Job first = jobs.get(submitted.get(0).getJobId());
            assertThat(first.getTasksDone()).isEqualTo(3);
            List<String> lines = new ArrayList<>();
            jobs.logs(first.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
            assertThat(lines).first().asString().startsWith("Job submitted");
            assertThat(lines).contains("Job completed");
            Media again = user.media().get(media.getMediaId());
            assertThat(again).isEqualTo(media);
            assertThat(Optional.of(again.getSize())).contains(123_456L);
        }
    }
}
