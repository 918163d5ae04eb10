package io.framegrid.gpunode.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.LeaseReaper;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.fabric.testing.TestJobTypes;
import io.framegrid.gpunode.testing.TestTasks;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real workers on client grid nodes of a private grid, against the ledger on its server node, where a lease
 * reaper runs as on a coordinator. Jobs are submitted and cancelled through the ledger itself: the coordinator's
 * gRPC API over it is tested in the coordinator and launcher modules.
 */
class TaskWorkerTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "jobs.tier-limit.free", 100,
            "jobs.lease-time", "2s",
            "jobs.heartbeat-interval", "200ms"));

    private static final JobTypes TYPES = TestJobTypes.register(JobTypes.withBuiltIns());
    private static LeaseReaper reaper;
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeAll
    static void startReaper() {
        reaper = new LeaseReaper(grid.ignite(), grid.ledger(), grid.clock())
                .start(grid.config().jobs().heartbeatInterval());
    }

    @AfterAll
    static void stopReaper() {
        if (reaper != null) reaper.close();
    }

    @AfterEach
    void stopWorkers() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    private Worker worker(String name, Set<String> models, int slots) throws Exception {
        return worker(name, models, slots, TestTasks.executors());
    }

    private Worker worker(String name, Set<String> models, int slots, TaskExecutors executors) throws Exception {
        Ignite ignite = grid.joinClient("gpu-node");
        JobLedger ledger = new JobLedger(ignite, grid.config().jobs(), Clock.systemUTC());
        TaskWorker worker = new TaskWorker(ignite, ledger, executors,
                new WorkerProfile(name, false, models, slots), Clock.systemUTC()).start();
        Worker w = new Worker(ignite, worker);
        started.add(w);
        return w;
    }

    private record Worker(Ignite ignite, TaskWorker worker) implements AutoCloseable {
        @Override
        public void close() {
            worker.close();
            ignite.close();
        }

        /** Leaves the grid without releasing anything, as a killed process would. */
        void crash() {
            ignite.close();
        }
    }

    private static String newOwner() {
        return "owner-" + UUID.randomUUID();
    }

    private static Job submit(String owner, Map<String, String> metadata) {
        return grid.ledger().submit(owner, "free", TestJobTypes.WRITE_OUTPUTS, "test", metadata,
                TYPES.plan(TestJobTypes.WRITE_OUTPUTS, metadata).orElseThrow()).getJob();
    }

    private static Job job(String jobId) {
        return grid.ledger().state(jobId).orElseThrow().getJob();
    }

    private static Job awaitTerminal(String jobId) {
        await().atMost(Duration.ofSeconds(60)).until(() -> JobLedger.isTerminal(job(jobId).getStatus()));
        return job(jobId);
    }

    @Test
    void jobsSurviveTheDeathOfANodeAndEveryOutputIsCommittedOnce() throws Exception {
        Worker a = worker("node-a", Set.of(), 4);
        Worker b = worker("node-b", Set.of(), 4);
        String owner = newOwner();
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            submitted.add(submit(owner, Map.of("chunks", "3", "work_ms", "150")));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> a.worker().completedTasks() >= 4 && a.worker().runningTasks() > 0);
        a.crash();
        started.remove(a);

        // The crashed node's leases run out and the reaper re-queues them for node-b.
        await().atMost(Duration.ofSeconds(60)).until(() -> submitted.stream()
                .allMatch(j -> JobLedger.isTerminal(job(j.getJobId()).getStatus())));
        for (Job j : submitted) {
            Job done = job(j.getJobId());
            assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
            assertThat(done.getTasksDone()).isEqualTo(4);
            assertThat(done.getResultRefsList()).doesNotHaveDuplicates().hasSize(4);
            for (int chunk = 0; chunk < 3; chunk++) {
                TaskOutput out = grid.ledger().output(JobLedger.taskId(j.getJobId(), 0, chunk)).orElseThrow();
                assertThat(out.getData().toByteArray()).isEqualTo(TestJobTypes.expectedOutput(j.getJobId(), chunk));
            }
        }
        assertThat(b.worker().completedTasks()).isPositive();
    }

    @Test
    void aPermanentFailureEndsTheJobOnItsFirstAttemptInItsOwnWordsAndARetryableOneUsesEveryAttempt()
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean permanent = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        worker("node-f", Set.of(), 2, new TaskExecutors().register(TestJobTypes.WRITE_OUTPUTS, ctx -> {
            runs.incrementAndGet();
            IllegalStateException cause = new IllegalStateException("/tmp/framegrid-video-1.avi is truncated");
            throw permanent.get() ? TaskFailure.permanent("The video could not be decoded", cause)
                    : TaskFailure.retryable("The analysis failed on a compute node", cause);
        }));
        Job failed = awaitTerminal(submit(newOwner(), Map.of("chunks", "1")).getJobId());
        assertThat(failed.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(failed.getErrorMessage()).endsWith("failed: The video could not be decoded")
                .doesNotContain("/tmp", "Exception");
        assertThat(runs).hasValue(1);
        assertThat(grid.ledger().logLines(failed.getJobId(), 100)).extracting(l -> l.getMessage())
                .anyMatch(line -> line.contains("/tmp/framegrid-video-1.avi is truncated"));

        permanent.set(false);
        runs.set(0);
        Job retried = awaitTerminal(submit(newOwner(), Map.of("chunks", "1")).getJobId());
        assertThat(retried.getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);
        assertThat(retried.getErrorMessage()).endsWith("failed: The analysis failed on a compute node");
        assertThat(runs).hasValue(grid.config().jobs().maxAttempts());
    }

    @Test
    void cancellingARunningJobStopsItsTaskWithinASecond() throws Exception {
        Worker a = worker("node-a", Set.of(), 2);
        Job job = submit(newOwner(), Map.of("chunks", "1", "work_ms", "60000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.worker().runningTasks() == 1);

        Job cancelled = grid.ledger().cancel(job.getJobId()).getJob();

        assertThat(cancelled.getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
        await().atMost(Duration.ofSeconds(1)).until(() -> a.worker().runningTasks() == 0);
        assertThat(grid.ledger().output(JobLedger.taskId(job.getJobId(), 0, 0))).isEmpty();
        assertThat(job(job.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
    }

    @Test
    void tasksGoOnlyToNodesWithTheRequiredModelAndNodesPublishTheirStatus() throws Exception {
        Worker plain = worker("node-plain", Set.of(), 2);
        Worker withModel = worker("node-yolox", Set.of("yolox_nano"), 2);
        String owner = newOwner();
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            submitted.add(submit(owner, Map.of("chunks", "2", "requires.models", "yolox_nano")));
        }
        for (Job j : submitted) {
            assertThat(awaitTerminal(j.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        }
        Set<String> writers = new HashSet<>();
        for (Job j : submitted) {
            for (int chunk = 0; chunk < 2; chunk++) {
                writers.add(grid.ledger().output(JobLedger.taskId(j.getJobId(), 0, chunk)).orElseThrow().getNodeId());
            }
        }
        assertThat(writers).containsExactly(withModel.worker().nodeId());

        // What coordinators list as the cluster's nodes: each worker's heartbeat record in the grid.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            NodeStatus yolox = status(withModel.worker().nodeId());
            assertThat(yolox.getName()).isEqualTo("node-yolox");
            assertThat(yolox.getModelsList()).containsExactly("yolox_nano");
            assertThat(yolox.getTasksCompleted()).isGreaterThanOrEqualTo(8);
            NodeStatus other = status(plain.worker().nodeId());
            assertThat(other.getName()).isEqualTo("node-plain");
            assertThat(other.getTasksCompleted()).isZero();
        });
    }

    @Test
    void aNodeTheServersDroppedRejoinsUnderANewIdRepublishesItsStatusAndTakesNewWork() throws Exception {
        Worker a = worker("node-rejoin", Set.of(), 2);
        String before = a.worker().nodeId();
        Job inFlight = submit(newOwner(), Map.of("chunks", "1", "work_ms", "1000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.worker().runningTasks() == 1);

        // The servers drop the client as they do one silent past their failure detection (a cut link); the
        // client, still able to reach them, rejoins under a new node id.
        ((org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi) grid.ignite().configuration().getDiscoverySpi())
                .failNode(UUID.fromString(before), "test: node dropped");
        await().atMost(Duration.ofSeconds(30)).until(() -> !a.worker().nodeId().equals(before)
                && a.ignite().cluster().localNode().id().toString().equals(a.worker().nodeId()));
        String after = a.worker().nodeId();

        // The task leased under the old id is re-queued when its lease runs out and done under the new one.
        assertThat(awaitTerminal(inFlight.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(grid.ledger().output(JobLedger.taskId(inFlight.getJobId(), 0, 0)).orElseThrow().getNodeId())
                .isEqualTo(after);
        Job fresh = submit(newOwner(), Map.of("chunks", "3"));
        assertThat(awaitTerminal(fresh.getJobId()).getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        for (int chunk = 0; chunk < 3; chunk++) {
            assertThat(grid.ledger().output(JobLedger.taskId(fresh.getJobId(), 0, chunk)).orElseThrow().getNodeId())
                    .isEqualTo(after);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(status(after).getName()).isEqualTo("node-rejoin");
            assertThat(grid.ignite().<String, byte[]>cache(CacheNames.NODES).containsKey(before)).isFalse();
        });
    }

    private static NodeStatus status(String nodeId) {
        byte[] record = grid.ignite().<String, byte[]>cache(CacheNames.NODES).get(nodeId);
        assertThat(record).as("status record of " + nodeId).isNotNull();
        return Protos.parse(NodeStatus.parser(), record);
    }
}
