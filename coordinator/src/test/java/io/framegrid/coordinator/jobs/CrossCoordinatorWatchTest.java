package io.framegrid.coordinator.jobs;

import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.testing.MutableClock;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two coordinators on two server nodes of one private grid: a Watch stream opened on one of them follows
 * a job that is submitted, worked on and finished through the other, because events come from the grid's
 * continuous query, not from the coordinator that made the change.
 */
class CrossCoordinatorWatchTest {
    private static final String NODE = "worker-under-test";
    private static Path dirA;
    private static Path dirB;
    private static Ignite igniteA;
    private static Ignite igniteB;
    private static CoordinatorServer coordinatorA;
    private static CoordinatorServer coordinatorB;
    private static FramegridClient clientA;
    private static FramegridClient clientB;
    private static JobLedger ledgerB;
    private static final InProcessTransport transportA = new InProcessTransport();
    private static final InProcessTransport transportB = new InProcessTransport();

    @BeforeAll
    static void startTwoCoordinators() throws Exception {
        dirA = Files.createTempDirectory("framegrid-watch-a");
        dirB = Files.createTempDirectory("framegrid-watch-b");
        int portA = LocalPorts.free();
        int portB = LocalPorts.free();
        String addresses = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
        String grid = "watch-" + UUID.randomUUID().toString().substring(0, 8);
        FramegridConfig configA = config(dirA, grid + "-a", portA, addresses);
        FramegridConfig configB = config(dirB, grid + "-b", portB, addresses);
        igniteA = new GridBootstrap(configA.grid(), new CacheCatalog(1)).startServer("coordinator", Map.of());
        igniteB = new GridBootstrap(configB.grid(), new CacheCatalog(1)).startServer("coordinator", Map.of());
        assertThat(igniteA.cluster().forServers().nodes()).hasSize(2);
        MutableClock clock = new MutableClock();
        coordinatorA = new CoordinatorServer(igniteA, configA, new Telemetry(new PrometheusRegistry()), clock);
        coordinatorB = new CoordinatorServer(igniteB, configB, new Telemetry(new PrometheusRegistry()), clock);
        // What is tested is the grid between the coordinators; each serves its clients in-process.
        clientA = transportA.open(coordinatorA);
        clientB = transportB.open(coordinatorB);
        ledgerB = new JobLedger(igniteB, configB.jobs(), clock);
    }

    private static FramegridConfig config(Path dir, String name, int discoveryPort, String addresses) {
        return FramegridConfig.from(IsolatedSettings.forDiscovery(dir, name, discoveryPort, addresses)
                .set("identity.admin.password", "AdminPass123").build());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {transportA, transportB, coordinatorA, coordinatorB}) {
            if (c != null) c.close();
        }
        // The younger node leaves first so the older one never waits on a rebalance towards it.
        if (igniteB != null) igniteB.close();
        if (igniteA != null) igniteA.close();
        CoordinatorExtension.deleteRecursively(dirA);
        CoordinatorExtension.deleteRecursively(dirB);
    }

    @Test
    void watchOnOneCoordinatorSeesChangesMadeThroughTheOther() {
        String name = "w" + UUID.randomUUID().toString().substring(0, 8);
        clientB.identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com").setUsername(name)
                .setPassword("Sup3rSecret").build());
        // The token is issued by B and checked by A: the signing key is shared through the grid.
        String token = clientB.identity().login(name, "Sup3rSecret").getAccessToken();
        FramegridClient userA = clientA.withBearerToken(token);
        FramegridClient userB = clientB.withBearerToken(token);

        Job submitted = userB.jobs().submit(SubmitJobRequest.newBuilder().setType(JobTypes.NOOP).build());
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        userA.jobsAsync().watch(submitted.getJobId(), collect(events, ended));
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());

        // A worker attached to B's grid node leases, reports progress and commits the job's only task.
        String taskId = JobLedger.taskId(submitted.getJobId(), 0, 0);
        TaskState leased = ledgerB.lease(taskId, NODE).orElseThrow();
        ledgerB.progress(taskId, NODE, leased.getFence(), 50, "halfway");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> "halfway".equals(e.getJob().getCurrentStep())));
        ledgerB.commit(taskId, NODE, leased.getFence(), new TaskCommit(new byte[0], List.of(), 0, List.of()));

        ended.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        JobEvent last = events.get(events.size() - 1);
        assertThat(last.getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(last.getJob().getProgress()).isEqualTo(100);
        assertThat(events).extracting(JobEvent::getSequence).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void cancellingThroughOneCoordinatorEndsTheWatchOnTheOther() {
        String name = "c" + UUID.randomUUID().toString().substring(0, 8);
        clientA.identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com").setUsername(name)
                .setPassword("Sup3rSecret").build());
        String token = clientA.identity().login(name, "Sup3rSecret").getAccessToken();
        Job submitted = clientA.withBearerToken(token).jobs()
                .submit(SubmitJobRequest.newBuilder().setType(JobTypes.NOOP).build());
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        clientA.withBearerToken(token).jobsAsync().watch(submitted.getJobId(), collect(events, ended));
        // The stream is open (its first event, the current state, arrived) before B changes anything.
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
        assertThat(ended).isNotDone();

        clientB.withBearerToken(token).jobs().cancel(submitted.getJobId());

        ended.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        Job last = events.get(events.size() - 1).getJob();
        assertThat(last.getStatus()).isEqualTo(JobStatus.JOB_STATUS_CANCELLED);
    }

    private static StreamObserver<JobEvent> collect(List<JobEvent> events, CompletableFuture<Void> ended) {
        return new StreamObserver<>() {
            @Override
            public void onNext(JobEvent event) {
                events.add(event);
            }

            @Override
            public void onError(Throwable t) {
                ended.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        };
    }
}
