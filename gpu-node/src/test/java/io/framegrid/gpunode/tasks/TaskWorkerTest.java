package io.framegrid.gpunode.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.sdk.jobs.JobsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real workers on client grid nodes of a private grid, against a real coordinator. */
class TaskWorkerTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(
            "jobs.tier-limit.free", 100,
            "jobs.lease-time", "2s",
            "jobs.heartbeat-interval", "200ms"));

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopWorkers() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    private Worker worker(String name, Set<String> models, int slots) throws Exception {
        return worker(name, models, slots, TaskExecutors.withBuiltIns());
    }

    private Worker worker(String name, Set<String> models, int slots, TaskExecutors executors) throws Exception {
        Path dir = Files.createTempDirectory("framegrid-worker");
        FramegridConfig server = cluster.config();
        Settings.Builder settings = IsolatedSettings.forDiscovery(dir, name + "-" + UUID.randomUUID(),
                io.framegrid.config.local.LocalPorts.free(), "127.0.0.1:" + server.grid().discoveryPort());
        FramegridConfig config = FramegridConfig.from(settings.build());
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(0)).startClient("gpu-node", Map.of());
        JobLedger ledger = new JobLedger(ignite, server.jobs(), Clock.systemUTC());
        TaskWorker worker = new TaskWorker(ignite, ledger, executors,
                new WorkerProfile(name, false, models, slots), Clock.systemUTC()).start();
        Worker w = new Worker(ignite, worker, dir);
        started.add(w);
        return w;
    }

    private record Worker(Ignite ignite, TaskWorker worker, Path dir) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            worker.close();
            ignite.close();
            CoordinatorExtension.deleteRecursively(dir);
        }

        /** Leaves the grid without releasing anything, as a killed process would. */
        void crash() {
            ignite.close();
        }
    }

    private static JobsClient newUser() {
        String name = "w" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Sup3rSecret").build());
        return cluster.client().withBearerToken(
                cluster.client().identity().login(name, "Sup3rSecret").getAccessToken()).jobs();
    }

    private static JobLedger ledger() {
        return new JobLedger(cluster.ignite(), cluster.config().jobs(), Clock.systemUTC());
    }

    @Test
    void jobsSurviveTheDeathOfANodeAndEveryOutputIsCommittedOnce() throws Exception {
        Worker a = worker("node-a", Set.of(), 4);
        Worker b = worker("node-b", Set.of(), 4);
        JobsClient jobs = newUser();
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            submitted.add(jobs.submit(JobTypes.TEST_WRITE_OUTPUTS, Map.of("chunks", "3", "work_ms", "150")));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> a.worker().completedTasks() >= 4 && a.worker().runningTasks() > 0);
        a.crash();
        started.remove(a);
        CoordinatorExtension.deleteRecursively(a.dir());

        await().atMost(Duration.ofSeconds(60)).until(() -> submitted.stream()
                .allMatch(j -> JobLedger.isTerminal(jobs.get(j.getJobId()).getStatus())));
        JobLedger ledger = ledger();
        for (Job j : submitted) {
            Job done = jobs.get(j.getJobId());
            assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
            assertThat(done.getTasksDone()).isEqualTo(4);
            assertThat(done.getResultRefsList()).doesNotHaveDuplicates().hasSize(4);
            for (int chunk = 0; chunk < 3; chunk++) {
                TaskOutput out = ledger.output(JobLedger.taskId(j.getJobId(), 0, chunk)).orElseThrow();
                assertThat(out.getData().toByteArray()).isEqualTo(TaskExecutors.expectedOutput(j.getJobId(), chunk));
            }
        }
        assertThat(b.worker().completedTasks()).isPositive();
    }

    @Test
    void aPermanentFailureEndsTheJobOnItsFirstAttemptInItsOwnWordsAndARetryableOneUsesEveryAttempt()
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean permanent = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        worker("node-f", Set.of(), 2, new TaskExecutors().register(JobTypes.TEST_WRITE_OUTPUTS, ctx -> {
            runs.incrementAndGet();
            IllegalStateException cause = new IllegalStateException("/tmp/framegrid-video-1.avi is truncated");
            throw permanent.get() ? TaskFailure.permanent("The video could not be decoded", cause)
                    : TaskFailure.retryable("The analysis failed on a compute node", cause);
        }));
        JobsClient jobs = newUser();
        Job failed = jobs.awaitTerminal(jobs.submit(JobTypes.TEST_WRITE_OUTPUTS, Map.of("chunks", "1")).getJobId());
        assertThat(failed.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(failed.getErrorMessage()).endsWith("failed: The video could not be decoded")
                .doesNotContain("/tmp", "Exception");
        assertThat(runs).hasValue(1);
        List<String> log = new ArrayList<>();
        jobs.logs(failed.getJobId(), 100, false).forEachRemaining(line -> log.add(line.getMessage()));
        assertThat(log).anyMatch(line -> line.contains("/tmp/framegrid-video-1.avi is truncated"));

        permanent.set(false);
        runs.set(0);
        Job retried = jobs.awaitTerminal(jobs.submit(JobTypes.TEST_WRITE_OUTPUTS, Map.of("chunks", "1")).getJobId());
        assertThat(retried.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(retried.getErrorMessage()).endsWith("failed: The analysis failed on a compute node");
        assertThat(runs).hasValue(cluster.config().jobs().maxAttempts());
    }

    @Test
    void cancellingARunningJobStopsItsTaskWithinASecond() throws Exception {
        Worker a = worker("node-a", Set.of(), 2);
        JobsClient jobs = newUser();
        Job job = jobs.submit(JobTypes.TEST_WRITE_OUTPUTS, Map.of("chunks", "1", "work_ms", "60000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.worker().runningTasks() == 1);
        Job cancelled = jobs.cancel(job.getJobId());
        assertThat(cancelled.getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
        await().atMost(Duration.ofSeconds(1)).until(() -> a.worker().runningTasks() == 0);
        assertThat(ledger().output(JobLedger.taskId(job.getJobId(), 0, 0))).isEmpty();
        assertThat(jobs.get(job.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
    }

    @Test
    void tasksGoOnlyToNodesWithTheRequiredModelAndNodesAreListed() throws Exception {
        Worker plain = worker("node-plain", Set.of(), 2);
        Worker withModel = worker("node-yolox", Set.of("yolox_nano"), 2);
        JobsClient jobs = newUser();
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            submitted.add(jobs.submit(JobTypes.TEST_WRITE_OUTPUTS,
                    Map.of("chunks", "2", "requires.models", "yolox_nano")));
        }
        for (Job j : submitted) {
            assertThat(jobs.awaitTerminal(j.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        }
        Set<String> writers = new HashSet<>();
        for (Job j : submitted) {
            for (int chunk = 0; chunk < 2; chunk++) {
                writers.add(ledger().output(JobLedger.taskId(j.getJobId(), 0, chunk)).orElseThrow().getNodeId());
            }
        }
        assertThat(writers).containsExactly(withModel.worker().nodeId());

        String admin = cluster.client().identity().login("admin", "AdminPass123").getAccessToken();
        io.framegrid.sdk.jobs.NodesClient nodes = cluster.client().withBearerToken(admin).nodes();
        await().atMost(Duration.ofSeconds(5)).until(() ->
                nodes.list().size() == 2);
        List<NodeStatus> listed = nodes.list();
        assertThat(listed).extracting(NodeStatus::getName).containsExactly("node-plain", "node-yolox");
        assertThat(listed.get(1).getModelsList()).containsExactly("yolox_nano");
        assertThat(listed.get(1).getTasksCompleted()).isGreaterThanOrEqualTo(8);

        plain.crash();
        started.remove(plain);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                nodes.list().size() == 1);
    }
}
