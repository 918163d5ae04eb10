package io.framegrid.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.gpunode.tasks.TaskWorker;
import io.framegrid.gpunode.tasks.WorkerProfile;
import io.framegrid.gpunode.testing.TestTasks;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code framegrid jobs list|watch|logs|cancel} against a real coordinator with a task worker running the jobs. */
class JobsCliTest {
    @RegisterExtension
    static final CoordinatorExtension coordinator = new CoordinatorExtension(Map.of("jobs.tier-limit.free", 10));

    private static TaskWorker worker;
    private static FramegridClient user;
    private static String[] login;

    @BeforeAll
    static void start() {
        worker = new TaskWorker(coordinator.ignite(), new JobLedger(coordinator.ignite(), coordinator.config().jobs(),
                Clock.systemUTC()), TestTasks.executors(), new WorkerProfile("cli-worker", false, Set.of(), 2),
                Clock.systemUTC()).start();
        coordinator.client().identity().register(RegisterRequest.newBuilder().setEmail("cli@example.com")
                .setUsername("cli").setPassword("Sup3rSecret").build());
        user = coordinator.client().withBearerToken(
                coordinator.client().identity().login("cli", "Sup3rSecret").getAccessToken());
        login = new String[] {"--coordinator", coordinator.target(), "--user", "cli", "--password", "Sup3rSecret"};
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    private static CliRun cli(String... args) {
        String[] all = new String[args.length + login.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(login, 0, all, args.length, login.length);
        return CliRun.of(all);
    }

    @Test
    void watchDrawsProgressToTheEndAndLogsListAndCancelWork() {
        Job job = user.jobs().submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2", "work_ms", "600"));

        CliRun watch = cli("jobs", "watch", job.getJobId());
        assertThat(watch.exit()).as(watch.err()).isZero();
        assertThat(watch.out()).contains(job.getJobId() + " completed");
        // The progress bar (stderr) reached 100 % and named the state.
        assertThat(watch.err()).contains("100%").contains("completed");

        CliRun logs = cli("jobs", "logs", job.getJobId());
        assertThat(logs.exit()).isZero();
        assertThat(logs.out()).contains("INFO", "Job submitted", "Job completed");
        assertThat(cli("jobs", "logs", job.getJobId(), "--tail", "1").out().lines().count()).isEqualTo(1);

        Job slow = user.jobs().submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "1", "work_ms", "60000"));
        CliRun cancel = cli("jobs", "cancel", slow.getJobId());
        assertThat(cancel.exit()).as(cancel.err()).isZero();
        assertThat(cancel.out()).contains(slow.getJobId() + " cancelled");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                user.jobs().get(slow.getJobId()).getStatus() == JobStatus.JOB_STATUS_CANCELLED);
        // Watching an ended job that did not complete exits 1.
        assertThat(cli("jobs", "watch", slow.getJobId()).exit()).isEqualTo(1);

        CliRun list = cli("jobs", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains(job.getJobId(), slow.getJobId(), "completed", "cancelled", TestJobs.WRITE_OUTPUTS);
        CliRun cancelled = cli("jobs", "list", "--status", "cancelled");
        assertThat(cancelled.out()).contains(slow.getJobId()).doesNotContain(job.getJobId());
    }

    @Test
    void refusalsAreOneLineWithoutAStackTrace() {
        CliRun missing = cli("jobs", "watch", "no-such-job");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("framegrid").doesNotContain("\tat ");
        CliRun badLogin = CliRun.of("jobs", "list", "--coordinator", coordinator.target(), "--user", "cli",
                "--password", "wrong-password");
        assertThat(badLogin.exit()).isEqualTo(1);
        assertThat(badLogin.err().lines().count()).isEqualTo(1);
    }
}
