package io.framegrid.gateway.studio;

import static io.framegrid.gateway.studio.StudioFixtures.B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.studio.StudioFixtures.User;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.studio.StudioClient;
import io.grpc.Status;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface B's jobs and credits against a real coordinator and gateway: the reservation in the submit transaction
 * under 200 concurrent submissions, the jobs routes with every error class, settle/release of charges, purchases
 * with idempotency, the per-tier limits and the admin routes. Jobs are run by the test through the fabric's ledger
 * ({@link StudioFixtures.Worker}).
 */
class StudioJobsTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final StudioFixtures fx = new StudioFixtures(gw);

    private static void assertStudioError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        JsonNode error = reply.json().get("error");
        assertThat(error.get("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("request_id").asText()).startsWith("req-");
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private long credits(User u) {
        Reply r = gw.get(B, "/api/v1/users/credits", u.auth());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("credits").asLong();
    }

    // ---- credits reserved in the submit transaction ----------------------------------------------------------

    @Test
    void twoHundredConcurrentPaidSubmissionsAgainstCreditForFiftyAcceptExactlyFifty() throws Exception {
        User u = fx.user();   // free: 100 sign-up credits, 1 job processing at a time
        Media input = fx.blob(u, "clip.mp4", "input video");
        StudioClient studio = fx.studio(u);
        double reservedBefore = credits("reserved");
        double refusedBefore = credits("refused");
        double refundedBefore = credits("refunded");
        AtomicBoolean storm = new AtomicBoolean(true);
        AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
        // Watches the stored balance throughout (straight from the user record the reservations write).
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (storm.get()) {
                long now = fx.as(u).identityAsync().currentUser().join().getCredits();
                lowest.accumulateAndGet(now, Math::min);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<CompletableFuture<StudioJob>> submits = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                // 2 s of video = 2 credits: 100 credits pay for exactly 50.
                submits.add(CompletableFuture.supplyAsync(() -> studio.submitAsync(fx.request(input, 2.0)).join(), pool));
            }
            CompletableFuture.allOf(submits.stream().map(f -> f.handle((v, t) -> null)).toArray(CompletableFuture[]::new))
                    .join();
        } finally {
            storm.set(false);
            pool.shutdown();
        }
        watcher.join();
        List<StudioJob> accepted = new ArrayList<>();
        int refused = 0;
        for (CompletableFuture<StudioJob> f : submits) {
            try {
                accepted.add(f.join());
            } catch (CompletionException e) {
                Throwable c = cause(cause(e));
                assertThat(c).isInstanceOf(FramegridException.class);
                FramegridException fe = (FramegridException) c;
                assertThat(fe.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(fe.reason()).isEqualTo(StudioClient.INSUFFICIENT_CREDITS);
                refused++;
            }
        }
        assertThat(accepted).hasSize(50);
        assertThat(refused).isEqualTo(150);
        assertThat(lowest.get()).isGreaterThanOrEqualTo(0);
        assertThat(credits(u)).isZero();
        assertThat(accepted).allSatisfy(j -> assertThat(j.getCharge().getCredits()).isEqualTo(2));
        // The operators' view of the same storm: 50 × 2 credits reserved, 150 × 2 refused.
        assertThat(credits("reserved") - reservedBefore).isEqualTo(100);
        assertThat(credits("refused") - refusedBefore).isEqualTo(300);

        // Beyond the tier's concurrent jobs the rest wait queued.
        Reply page = gw.get(B, "/api/v1/jobs?limit=100", u.auth());
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        assertThat(page.json().get("total").asInt()).isEqualTo(50);
        int processing = 0;
        String processingId = null;
        List<String> queued = new ArrayList<>();
        for (JsonNode j : page.json().get("jobs")) {
            if (j.get("status").asText().equals("processing")) {
                processing++;
                processingId = j.get("job_id").asText();
            } else {
                assertThat(j.get("status").asText()).isEqualTo("queued");
                queued.add(j.get("job_id").asText());
            }
        }
        assertThat(processing).isEqualTo(1);

        // Cancelling queued jobs refunds them; a processing one is 400.
        for (String id : queued.subList(0, 3)) {
            Reply del = gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/jobs/" + id)).DELETE(), u.auth());
            assertThat(del.status()).as(del.toString()).isEqualTo(200);
            assertThat(del.json().get("message").asText()).isEqualTo("Job cancelled successfully");
            assertThat(del.json().get("credits_refunded").asInt()).isEqualTo(2);
        }
        assertStudioError(gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/jobs/" + processingId)).DELETE(), u.auth()),
                400, "JOB_NOT_QUEUED");
        assertThat(credits(u)).isEqualTo(6);
        // Counted once the release committed, by whichever of the cancel and the settler released it.
        await().atMost(Duration.ofSeconds(10)).until(() -> credits("refunded") - refundedBefore >= 6);
        // The balance on every surface is the same number.
        assertThat(gw.get(B, "/api/v1/auth/me", u.auth()).json().get("credits").asInt()).isEqualTo(6);
    }

    // ---- jobs routes ------------------------------------------------------------------------------------

    @Test
    void aCompletedJobShowsEveryDetailFieldAndItsResultDownloads() {
        User u = fx.user("enterprise");
        Media input = fx.blob(u, "project.mp4", "input video");
        StudioJob job = fx.submit(u, input, 30.0);
        String id = job.getJob().getJobId();
        assertThat(job.getCharge().getCredits()).isEqualTo(30);
        assertThat(credits(u)).isEqualTo(70);

        Reply running = gw.get(B, "/api/v1/jobs/" + id, u.auth());
        assertThat(running.status()).as(running.toString()).isEqualTo(200);
        assertThat(running.json().get("status").asText()).isEqualTo("processing");
        assertThat(running.json().get("job_type").asText()).isEqualTo("pro_sync");
        assertThat(running.json().get("credits_used").asInt()).isZero();
        assertThat(running.json().get("result_url").isNull()).isTrue();

        StudioFixtures.Worker worker = fx.worker();
        TaskState task = worker.lease(id);
        worker.progress(task, 40, "Removing text");
        assertThat(gw.get(B, "/api/v1/jobs/" + id, u.auth()).json().get("progress").asInt()).isEqualTo(40);
        Media result = fx.blob(u, "result.mp4", "the video without its text, 0123456789");
        worker.complete(task, result.getMediaId());

        JsonNode done = gw.get(B, "/api/v1/jobs/" + id, u.auth()).json();
        assertThat(done.get("job_id").asText()).isEqualTo(id);
        assertThat(done.get("display_name").asText()).isEqualTo("My Project");
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("progress").asInt()).isEqualTo(100);
        assertThat(done.get("created_at").asText()).endsWith("Z");
        assertThat(done.get("completed_at").asText()).endsWith("Z");
        assertThat(done.get("processing_time_seconds").isIntegralNumber()).isTrue();
        assertThat(done.get("result_url").asText()).endsWith("/api/v1/files/" + result.getMediaId());
        assertThat(done.get("result_size_bytes").asLong()).isEqualTo(result.getSize());
        assertThat(done.get("metadata").get("effects_count").asInt()).isEqualTo(1);
        assertThat(done.get("metadata").get("video_duration").asDouble()).isEqualTo(30.0);
        assertThat(done.get("credits_used").asInt()).isEqualTo(30);
        // Settled, not refunded.
        assertThat(credits(u)).isEqualTo(70);

        // result_url is the studio's authenticated download: HEAD, Range; nobody else's.
        String path = done.get("result_url").asText().replaceFirst("^http://[^/]+", "");
        Reply head = gw.send(HttpRequest.newBuilder(gw.uri(B, path)).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                u.auth());
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(result.getSize()));
        assertThat(head.header("Accept-Ranges")).isEqualTo("bytes");
        Reply range = gw.send(HttpRequest.newBuilder(gw.uri(B, path)).header("Range", "bytes=0-2").GET(), u.auth());
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.response().body()).isEqualTo("the");
        User other = fx.user();
        assertThat(gw.get(B, path, other.auth()).status()).isEqualTo(404);
        assertStudioError(gw.get(B, "/api/v1/jobs/" + id, other.auth()), 404, "JOB_NOT_FOUND");
        assertStudioError(gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/jobs/" + id)).DELETE(), other.auth()),
                404, "JOB_NOT_FOUND");
        // An ended job cannot be cancelled.
        assertStudioError(gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/jobs/" + id)).DELETE(), u.auth()),
                400, "JOB_FINISHED");

        // The list: status filter, paging, has_more; bad parameters are 422.
        fx.submit(u, input, 1.0);
        JsonNode completed = gw.get(B, "/api/v1/jobs?status=completed", u.auth()).json();
        assertThat(completed.get("total").asInt()).isEqualTo(1);
        assertThat(completed.get("jobs").get(0).get("job_id").asText()).isEqualTo(id);
        assertThat(completed.get("jobs").get(0).get("result_url").asText()).endsWith(result.getMediaId());
        JsonNode first = gw.get(B, "/api/v1/jobs?limit=1", u.auth()).json();
        assertThat(first.get("total").asInt()).isEqualTo(2);
        assertThat(first.get("limit").asInt()).isEqualTo(1);
        assertThat(first.get("offset").asInt()).isZero();
        assertThat(first.get("has_more").asBoolean()).isTrue();
        JsonNode second = gw.get(B, "/api/v1/jobs?limit=1&offset=1", u.auth()).json();
        assertThat(second.get("has_more").asBoolean()).isFalse();
        assertThat(second.get("jobs").get(0).get("job_id").asText()).isEqualTo(id);
        assertThat(gw.get(B, "/api/v1/jobs", u.auth()).json().get("limit").asInt()).isEqualTo(20);
        assertStudioError(gw.get(B, "/api/v1/jobs?limit=101", u.auth()), 422, "INVALID_PARAMETER");
        assertStudioError(gw.get(B, "/api/v1/jobs?limit=abc", u.auth()), 422, "INVALID_PARAMETER");
        assertStudioError(gw.get(B, "/api/v1/jobs?offset=-1", u.auth()), 422, "INVALID_PARAMETER");
        assertStudioError(gw.get(B, "/api/v1/jobs?status=done", u.auth()), 422, "INVALID_PARAMETER");
        assertStudioError(gw.get(B, "/api/v1/jobs/" + java.util.UUID.randomUUID(), u.auth()), 404, "JOB_NOT_FOUND");
        assertThat(gw.get(B, "/api/v1/jobs").status()).isEqualTo(401);
        assertThat(gw.get(B, "/api/v1/jobs", "Authorization", "Bearer nope").status()).isEqualTo(401);
    }

    @Test
    void aFailedJobGivesItsCreditsBackAndAJobTheBalanceCannotCoverIsRefused() {
        User u = fx.user("pro");
        Media input = fx.blob(u, "clip.mp4", "input");
        StudioJob job = fx.submit(u, input, 40.5);   // started seconds: 41 credits
        assertThat(job.getCharge().getCredits()).isEqualTo(41);
        assertThat(credits(u)).isEqualTo(59);
        StudioFixtures.Worker worker = fx.worker();
        worker.failPermanently(worker.lease(job.getJob().getJobId()), "unreadable video");
        // Released by the grid's job event, without anyone reading the job.
        await().atMost(Duration.ofSeconds(20)).until(() -> credits(u) == 100);
        JsonNode failed = gw.get(B, "/api/v1/jobs/" + job.getJob().getJobId(), u.auth()).json();
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error_message").asText()).contains("unreadable video");
        assertThat(failed.get("credits_used").asInt()).isZero();

        Throwable refused = cause(org.assertj.core.api.Assertions.catchThrowable(() -> fx.submit(u, input, 101)));
        assertThat(refused).isInstanceOf(FramegridException.class);
        assertThat(((FramegridException) refused).reason()).isEqualTo(StudioClient.INSUFFICIENT_CREDITS);
        assertThat(credits(u)).isEqualTo(100);
        assertThat(gw.get(B, "/api/v1/jobs", u.auth()).json().get("total").asInt()).isEqualTo(1);
    }

    // ---- credits and purchases ----------------------------------------------------------------------------

    @Test
    void creditsNameTheRuleAndTheNextMonthlyRefill() {
        User u = fx.user();
        JsonNode c = gw.get(B, "/api/v1/users/credits", u.auth()).json();
        assertThat(c.get("credits").asInt()).isEqualTo(100);
        assertThat(c.get("tier").asText()).isEqualTo("free");
        assertThat(c.get("credits_per_minute").asInt()).isEqualTo(60);
        java.time.ZonedDateTime next = java.time.ZonedDateTime.parse(c.get("next_refill_date").asText());
        java.time.LocalDate expected = java.time.LocalDate.now(gw.coordinator().clock().withZone(java.time.ZoneOffset.UTC))
                .withDayOfMonth(1).plusMonths(1);
        assertThat(next.toLocalDate()).isEqualTo(expected);
        assertThat(next.getHour()).isZero();
    }

    @Test
    void aRetriedPurchaseWithTheSameIdempotencyKeyChargesOnce() {
        User u = fx.user("pro");
        String body = "{\"package\":\"pro_1000\",\"payment_method\":\"stripe\"}";
        List<CompletableFuture<Reply>> tries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tries.add(CompletableFuture.supplyAsync(() ->
                    gw.postJson(B, "/api/v1/users/purchase-credits", body, "Authorization", "Bearer " + u.token(),
                            "Idempotency-Key", "order-42")));
        }
        List<String> txns = new ArrayList<>();
        for (CompletableFuture<Reply> t : tries) {
            Reply r = t.join();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().get("credits_added").asInt()).isEqualTo(1000);
            assertThat(r.json().get("new_balance").asInt()).isEqualTo(1100);
            assertThat(r.json().get("amount_paid").asDouble()).isEqualTo(99.99);
            assertThat(r.json().get("currency").asText()).isEqualTo("USD");
            txns.add(r.json().get("transaction_id").asText());
        }
        assertThat(txns).allMatch(txns.get(0)::equals);
        assertThat(credits(u)).isEqualTo(1100);
        // Another key is another purchase; a key reused for another package is refused.
        Reply again = gw.postJson(B, "/api/v1/users/purchase-credits", body, "Authorization", "Bearer " + u.token(),
                "Idempotency-Key", "order-43");
        assertThat(again.json().get("new_balance").asInt()).isEqualTo(2100);
        assertThat(again.json().get("transaction_id").asText()).isNotEqualTo(txns.get(0));
        assertStudioError(gw.postJson(B, "/api/v1/users/purchase-credits",
                        "{\"package\":\"starter_100\",\"payment_method\":\"stripe\"}", "Authorization",
                        "Bearer " + u.token(), "Idempotency-Key", "order-42"), 422, "IDEMPOTENCY_KEY_REUSED");
        assertStudioError(gw.postJson(B, "/api/v1/users/purchase-credits",
                "{\"package\":\"gold_1\",\"payment_method\":\"stripe\"}", u.auth()), 422, "UNKNOWN_PACKAGE");
        assertStudioError(gw.postJson(B, "/api/v1/users/purchase-credits", "{\"payment_method\":\"stripe\"}", u.auth()),
                422, "MISSING_FIELD");
        assertStudioError(gw.postJson(B, "/api/v1/users/purchase-credits", "{\"package\":\"pro_1000\"}", u.auth()),
                422, "MISSING_FIELD");
        assertStudioError(gw.postJson(B, "/api/v1/users/purchase-credits",
                "{\"package\":\"pro_1000\",\"payment_method\":\"declined\"}", u.auth()), 400, "PAYMENT_DECLINED");
        assertThat(credits(u)).isEqualTo(2100);
    }

    // ---- tiers --------------------------------------------------------------------------------------------

    @Test
    void aFreeUserGetsTenRequestsAMinuteWithRateLimitHeadersThen429() {
        User u = fx.user();
        for (int i = 1; i <= 10; i++) {
            Reply r = gw.get(B, "/api/v1/users/credits", u.auth());
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header("X-RateLimit-Limit")).isEqualTo("10");
            assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(10 - i));
            assertThat(Long.parseLong(r.header("X-RateLimit-Reset"))).isPositive();
        }
        Reply limited = gw.get(B, "/api/v1/jobs", u.auth());
        assertStudioError(limited, 429, "RATE_LIMITED");
        assertThat(limited.header("Retry-After")).isNotNull();
        assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
        // A pro user's budget is 60.
        User pro = fx.user("pro");
        assertThat(gw.get(B, "/api/v1/users/credits", pro.auth()).header("X-RateLimit-Limit")).isEqualTo("60");
    }

    @Test
    void aFileOverTheTiersLimitIs413() {
        User u = fx.user();   // free: 500 MB
        Reply big = gw.postJson(B, "/api/v1/chunked-upload/init", "{\"filename\":\"big.mp4\",\"total_size\":"
                + (501L << 20) + ",\"chunk_size\":5242880}", u.auth());
        assertStudioError(big, 413, "FILE_TOO_LARGE");
        User ent = fx.user("enterprise");   // 5 GB
        assertThat(gw.postJson(B, "/api/v1/chunked-upload/init", "{\"filename\":\"big.mp4\",\"total_size\":"
                + (501L << 20) + ",\"chunk_size\":5242880}", ent.auth()).status()).isEqualTo(201);
    }

    // ---- admin --------------------------------------------------------------------------------------------

    @Test
    void adminStatsCountRealJobsAndUsersAreForbiddenThem() {
        User u = fx.user("enterprise");
        String admin = fx.adminToken();
        assertStudioError(gw.get(B, "/api/v1/admin/stats", u.auth()), 403, "FORBIDDEN");
        assertStudioError(gw.get(B, "/api/v1/admin/users", u.auth()), 403, "FORBIDDEN");
        assertStudioError(gw.putJson(B, "/api/v1/admin/users/" + u.userId() + "/tier", "{\"tier\":\"pro\"}", u.auth()),
                403, "FORBIDDEN");
        JsonNode before = gw.get(B, "/api/v1/admin/stats", "Authorization", "Bearer " + admin).json();

        Media input = fx.blob(u, "a.mp4", "0123456789");
        StudioJob job = fx.submit(u, input, 3);
        JsonNode during = gw.get(B, "/api/v1/admin/stats", "Authorization", "Bearer " + admin).json();
        assertThat(during.get("active_jobs").asInt()).isEqualTo(before.get("active_jobs").asInt() + 1);
        assertThat(during.get("total_users").asInt()).isGreaterThanOrEqualTo(2);
        StudioFixtures.Worker worker = fx.worker();
        worker.complete(worker.lease(job.getJob().getJobId()), fx.blob(u, "r.mp4", "result").getMediaId());
        JsonNode after = gw.get(B, "/api/v1/admin/stats", "Authorization", "Bearer " + admin).json();
        assertThat(after.get("active_jobs").asInt()).isEqualTo(before.get("active_jobs").asInt());
        assertThat(after.get("completed_jobs_today").asInt())
                .isEqualTo(before.get("completed_jobs_today").asInt() + 1);
        assertThat(after.get("total_storage_gb").isNumber()).isTrue();
        assertThat(after.get("average_processing_time_minutes").asDouble()).isGreaterThanOrEqualTo(0);

        JsonNode users = gw.get(B, "/api/v1/admin/users?limit=100", "Authorization", "Bearer " + admin).json();
        assertThat(users.get("total").asInt()).isEqualTo(after.get("total_users").asInt());
        boolean listed = false;
        for (JsonNode x : users.get("data")) {
            if (x.get("user_id").asText().equals(u.userId())) {
                listed = true;
                assertThat(x.get("tier").asText()).isEqualTo("enterprise");
            }
        }
        assertThat(listed).isTrue();
        assertStudioError(gw.putJson(B, "/api/v1/admin/users/" + u.userId() + "/tier", "{\"tier\":\"gold\"}",
                "Authorization", "Bearer " + admin), 422, "INVALID_TIER");
        assertStudioError(gw.putJson(B, "/api/v1/admin/users/" + java.util.UUID.randomUUID() + "/tier",
                "{\"tier\":\"pro\"}", "Authorization", "Bearer " + admin), 404, "USER_NOT_FOUND");
    }

    /** {@code framegrid_studio_credits_total{event}} as the coordinator's {@code /metrics} would serve it now. */
    private static double credits(String event) {
        return gw.coordinator().telemetry().registry().scrape().stream()
                .filter(m -> m.getMetadata().getName().equals("framegrid_studio_credits"))
                .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> event.equals(d.getLabels().get("event")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }
}
