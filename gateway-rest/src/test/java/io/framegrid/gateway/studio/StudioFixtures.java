package io.framegrid.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.studio.StudioClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Users, inputs and jobs for the studio's tests. Jobs are submitted through the SDK (the StudioService the
 * GhostCut routes call) and run by {@link Worker}: the test plays the gpu-node through the fabric's ledger (lease,
 * progress, fenced commit), so every step a job takes is the test's to choose. The jobs are pro-sync ones (one task,
 * no executor ships for it; GhostCut jobs run on gpu-nodes and need a probed video: {@code StudioGhostCutRunTest}).
 */
final class StudioFixtures {
    static final String B = "studio";

    private final GatewayExtension gw;

    StudioFixtures(GatewayExtension gw) {
        this.gw = gw;
    }

    /** A signed-in user. */
    record User(String token, String userId, String email) {
        String[] auth() {
            return new String[] {"Authorization", "Bearer " + token};
        }
    }

    User user() {
        String email = "studio-" + UUID.randomUUID().toString().substring(0, 12) + "@example.com";
        Reply reg = gw.postJson(B, "/api/v1/auth/register",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\",\"full_name\":\"Studio User\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        return new User(login(email, "SecurePass123!"), reg.json().get("user_id").asText(), email);
    }

    /** A user of {@code tier}, set by the administrator through the admin route. */
    User user(String tier) {
        User u = user();
        Reply set = gw.putJson(B, "/api/v1/admin/users/" + u.userId() + "/tier", "{\"tier\":\"" + tier + "\"}",
                "Authorization", "Bearer " + adminToken());
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        return u;
    }

    String adminToken() {
        return login("admin@framegrid.local", "AdminPass123");
    }

    String login(String email, String password) {
        Reply login = gw.postJson(B, "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        return login.json().get("access_token").asText();
    }

    FramegridClient as(User u) {
        return gw.coordinator().client().withBearerToken(u.token());
    }

    StudioClient studio(User u) {
        return as(u).product(StudioClient.class);
    }

    /** A small blob in the user's media (the job's input or a result). */
    Media blob(User u, String name, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return as(u).mediaAsync().upload(UploadHeader.newBuilder().setFilename(name).setContentType("video/mp4")
                .setSize(bytes.length).build(), new ByteArrayInputStream(bytes)).join();
    }

    SubmitStudioJobRequest request(Media input, double seconds) {
        return SubmitStudioJobRequest.newBuilder().setJobType(StudioContract.PRO_SYNC)
                .setInputMediaId(input.getMediaId()).setDurationSeconds(seconds).setDisplayName("My Project")
                .putMetadata("effects_count", "1").build();
    }

    StudioJob submit(User u, Media input, double seconds) {
        return studio(u).submitAsync(request(input, seconds)).join();
    }

    Worker worker() {
        return new Worker(new JobLedger(gw.coordinator().ignite(), gw.coordinator().config().jobs(),
                gw.coordinator().clock()));
    }

    /** Plays the gpu-node for one job's single task through the fabric's ledger. */
    static final class Worker {
        private static final String NODE = "studio-test-node";
        private final JobLedger ledger;

        Worker(JobLedger ledger) {
            this.ledger = ledger;
        }

        TaskState lease(String jobId) {
            return ledger.lease(JobLedger.taskId(jobId, 0, 0), NODE).orElseThrow();
        }

        void progress(TaskState task, int percent, String step) {
            ledger.progress(task.getTaskId(), NODE, task.getFence(), percent, step);
        }

        void complete(TaskState task, String resultMediaId) {
            ledger.commit(task.getTaskId(), NODE, task.getFence(),
                    new TaskCommit(new byte[0], List.of(resultMediaId), 0, List.of("text removed")));
        }

        void failPermanently(TaskState task, String error) {
            ledger.failPermanently(task.getTaskId(), NODE, task.getFence(), error);
        }
    }
}
