package io.framegrid.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.sdk.FramegridClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's callback executor is a setting of its Netty channel: tested over a real socket. */
class SdkCallbackExecutorTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of("jobs.heartbeat-interval", "1h"));

    @Test
    void asyncCallbacksRunOnTheExecutorGivenToTheSdk() throws Exception {
        ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "sdk-callbacks"));
        try (FramegridClient own = FramegridClient.builder(cluster.target()).executor(callbacks).build()) {
            String name = "u" + UUID.randomUUID().toString().substring(0, 8);
            own.identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                    .setUsername(name).setPassword("Sup3rSecret").build());
            FramegridClient user = own.withBearerToken(own.identity().login(name, "Sup3rSecret").getAccessToken());
            Job job = user.jobs().submit(JobTypes.NOOP, Map.of());
            List<String> threads = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            user.jobsAsync().watch(job.getJobId(), new StreamObserver<>() {
                @Override public void onNext(JobEvent value) { threads.add(Thread.currentThread().getName()); }
                @Override public void onError(Throwable t) { done.completeExceptionally(t); }
                @Override public void onCompleted() { done.complete(null); }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> !threads.isEmpty());

            JobLedger ledger = new JobLedger(cluster.ignite(), cluster.config().jobs(), cluster.clock());
            String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
            TaskState leased = ledger.lease(taskId, "node-a").orElseThrow();
            ledger.commit(taskId, "node-a", leased.getFence(), TaskCommit.empty());

            done.get(10, TimeUnit.SECONDS);
            assertThat(threads).hasSizeGreaterThan(1).containsOnly("sdk-callbacks");
        } finally {
            callbacks.shutdownNow();
        }
    }
}
