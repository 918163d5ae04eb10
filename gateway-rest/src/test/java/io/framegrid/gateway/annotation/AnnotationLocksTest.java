package io.framegrid.gateway.annotation;

import static io.framegrid.gateway.annotation.AnnotationFixtures.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Surface A's annotation locks end to end: real coordinator (grid-held leases, reaper), real gateway, over HTTP. */
class AnnotationLocksTest {
    private static final long TTL_MS = 120_000;

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.annotation.lock-ttl", "2m"));

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    private static Reply start(String id, Annotator who) {
        return gw.postJson("annotation", "/api/annotations/" + id + "/start", "{}", who.bearer());
    }

    private static Reply commit(String id, Annotator who, String body) {
        return gw.postJson("annotation", "/api/annotations/" + id + "/commit", body, who.bearer());
    }

    private static Reply unlock(String id, Annotator who) {
        return gw.postJson("annotation", "/api/annotations/" + id + "/unlock", "{}", who.bearer());
    }

    private static final String ANNOTATIONS = "{\"annotations\":[{\"timestamp\":0,\"speed\":12.5,\"button_state\":0},"
            + "{\"timestamp\":100,\"speed\":13.25,\"button_state\":1}]";

    @Test
    void nextStartCommitInTheSpecsShapes() throws Exception {
        fx.drainPool();
        String id = fx.seed("morning drive");
        fx.seed("later drive");
        Annotator alice = fx.annotator();
        Reply next = gw.get("annotation", "/api/videos/next_unannotated", alice.bearer());
        assertThat(next.status()).as(next.toString()).isEqualTo(200);
        JsonNode v = next.json();
        assertThat(v.get("video_id").asText()).isEqualTo(id);
        assertThat(v.get("title").asText()).isEqualTo("morning drive");
        assertThat(v.get("upload_date").isIntegralNumber()).isTrue();
        assertThat(v.get("status").asText()).isEqualTo("unannotated");
        assertThat(v.get("locked_by").isNull()).isTrue();
        assertThat(v.get("lock_time").isNull()).isTrue();
        assertThat(fx.stored(id).hasLease()).isFalse();

        Reply started = start(id, alice);
        assertThat(started.status()).as(started.toString()).isEqualTo(200);
        JsonNode s = started.json();
        assertThat(s.get("status").asText()).isEqualTo("started");
        assertThat(s.get("video_id").asText()).isEqualTo(id);
        assertThat(s.get("user_id").asText()).isEqualTo(alice.userId());
        assertThat(s.get("locked_by").asText()).isEqualTo(alice.userId());
        assertThat(s.get("lock_expires_at").asLong() - s.get("lock_time").asLong()).isEqualTo(TTL_MS);
        String token = s.get("lock_token").asText();
        // A locked video is no longer next.
        assertThat(gw.get("annotation", "/api/videos/next_unannotated", alice.bearer()).json()
                .get("video_id").asText()).isNotEqualTo(id);

        Reply taken = start(id, fx.annotator());
        assertError(taken, 409);
        assertThat(taken.json().get("message").asText()).isEqualTo("Video is already locked by another user");

        Reply done = commit(id, alice, ANNOTATIONS + ",\"lock_token\":\"" + token + "\"}");
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().get("status").asText()).isEqualTo("committed");
        assertThat(done.json().get("video_id").asText()).isEqualTo(id);
        JsonNode echoed = done.json().get("annotations");
        assertThat(echoed).hasSize(2);
        assertThat(echoed.get(1).get("timestamp").asLong()).isEqualTo(100);
        assertThat(echoed.get(1).get("speed").asDouble()).isEqualTo(13.25);
        assertThat(echoed.get(1).get("button_state").asInt()).isEqualTo(1);
        assertThat(fx.stored(id).getAnnotated()).isTrue();
        assertThat(fx.stored(id).hasLease()).isFalse();
        assertError(commit(id, alice, ANNOTATIONS + "}"), 409);
        assertError(start(id, alice), 409);
    }

    @Test
    void theHolderRenewsByStartingAgain() {
        String id = fx.seed("renew");
        Annotator alice = fx.annotator();
        JsonNode first = start(id, alice).json();
        gw.coordinator().clock().advance(Duration.ofSeconds(90));
        Reply again = start(id, alice);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().get("lock_token").asText()).isEqualTo(first.get("lock_token").asText());
        assertThat(again.json().get("lock_expires_at").asLong())
                .isGreaterThanOrEqualTo(first.get("lock_expires_at").asLong() + 90_000);
        // Past the first lease's end, the renewed one still holds.
        gw.coordinator().clock().advance(Duration.ofSeconds(60));
        assertError(start(id, fx.annotator()), 409);
    }

    @Test
    void concurrentAnnotatorsEachClaimADifferentVideoOrGet404() throws Exception {
        fx.drainPool();
        Set<String> seeded = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            seeded.add(fx.seed("pool " + i));
        }
        int n = 10;
        List<Annotator> annotators = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            annotators.add(fx.annotator());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (Annotator a : annotators) {
                replies.add(pool.submit(() -> {
                    go.await();
                    return gw.get("annotation", "/api/videos/next_unannotated?lock=true", a.bearer());
                }));
            }
            go.countDown();
            List<String> won = new ArrayList<>();
            int none = 0;
            for (int i = 0; i < n; i++) {
                Reply r = replies.get(i).get();
                if (r.status() == 404) {
                    assertError(r, 404);
                    none++;
                    continue;
                }
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                assertThat(r.json().get("status").asText()).isEqualTo("started");
                assertThat(r.json().get("locked_by").asText()).isEqualTo(annotators.get(i).userId());
                String id = r.json().get("video_id").asText();
                won.add(id);
                assertThat(fx.stored(id).getLease().getHolderId()).isEqualTo(annotators.get(i).userId());
            }
            assertThat(won).doesNotHaveDuplicates();
            assertThat(new HashSet<>(won)).isEqualTo(seeded);
            assertThat(none).isEqualTo(n - seeded.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStaleTokenAfterExpiryAndRelockIs409AndWritesNothing() throws Exception {
        String id = fx.seed("stale");
        Annotator alice = fx.annotator();
        Annotator bob = fx.annotator();
        String aliceToken = start(id, alice).json().get("lock_token").asText();
        gw.coordinator().clock().advance(Duration.ofMillis(TTL_MS + 1_000));
        Reply bobs = start(id, bob);
        assertThat(bobs.status()).as(bobs.toString()).isEqualTo(200);
        assertThat(Long.parseLong(bobs.json().get("lock_token").asText())).isGreaterThan(Long.parseLong(aliceToken));

        assertError(commit(id, alice, ANNOTATIONS + ",\"lock_token\":\"" + aliceToken + "\"}"), 409);
        assertThat(gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATIONS).get(id)).isNull();
        assertThat(fx.stored(id).getAnnotated()).isFalse();
        assertThat(fx.stored(id).getLease().getHolderId()).isEqualTo(bob.userId());
        // Without a token, a former holder is refused just the same: bob holds the lease now.
        assertError(commit(id, alice, ANNOTATIONS + "}"), 409);

        Reply done = commit(id, bob, "{\"annotations\":[{\"timestamp\":7,\"speed\":3.5,\"button_state\":1}],"
                + "\"lock_token\":\"" + bobs.json().get("lock_token").asText() + "\"}");
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().get("annotations")).hasSize(1);
    }

    @Test
    void anExpiredLeaseIsFreedByTheServerWithinSeconds() throws Exception {
        String id = fx.seed("expiring");
        Annotator alice = fx.annotator();
        assertThat(start(id, alice).status()).isEqualTo(200);
        assertThat(fx.stored(id).hasLease()).isTrue();
        gw.coordinator().clock().advance(Duration.ofMillis(TTL_MS + 1_000));
        // No request touches the video: the coordinator's reaper clears the lease from the grid by itself.
        await().atMost(Duration.ofSeconds(3)).until(() -> !fx.stored(id).hasLease());
        assertThat(start(id, fx.annotator()).status()).isEqualTo(200);
    }

    @Test
    void unlockIsForTheHolderOrAnAdmin() throws Exception {
        String id = fx.seed("unlock");
        Annotator alice = fx.annotator();
        start(id, alice);
        assertError(unlock(id, fx.annotator()), 403);
        assertThat(fx.stored(id).getLease().getHolderId()).isEqualTo(alice.userId());
        Reply unlocked = unlock(id, alice);
        assertThat(unlocked.status()).as(unlocked.toString()).isEqualTo(200);
        assertThat(unlocked.json().get("status").asText()).isEqualTo("unlocked");
        assertThat(unlocked.json().get("video_id").asText()).isEqualTo(id);
        assertThat(fx.stored(id).hasLease()).isFalse();
        start(id, alice);
        assertThat(unlock(id, fx.admin()).status()).isEqualTo(200);
        assertThat(fx.stored(id).hasLease()).isFalse();
    }

    @Test
    void badInputIsA4xxInAsShape() throws Exception {
        String id = fx.seed("validation");
        Annotator alice = fx.annotator();
        assertError(gw.get("annotation", "/api/videos/next_unannotated"), 401);
        assertError(gw.postJson("annotation", "/api/annotations/" + id + "/start", "{}"), 401);
        assertError(start("no-such-video", alice), 404);
        assertError(commit(id, alice, ANNOTATIONS + "}"), 409); // not locked by alice
        start(id, alice);
        assertError(commit(id, alice, "{}"), 400);
        assertError(commit(id, alice, "{\"annotations\":[{\"timestamp\":0,\"speed\":-1,\"button_state\":0}]}"), 400);
        assertError(commit(id, alice, "{\"annotations\":[{\"timestamp\":-5,\"speed\":1,\"button_state\":0}]}"), 400);
        assertError(commit(id, alice, "{\"annotations\":[{\"timestamp\":0,\"speed\":1,\"button_state\":2}]}"), 400);
        assertError(commit(id, alice, "{\"annotations\":[{\"timestamp\":0,\"speed\":1}]}"), 400);
        assertError(commit(id, alice, "{\"annotations\":\"fast\"}"), 400);
        assertError(commit(id, alice, "not json"), 400);
        assertThat(fx.stored(id).getAnnotated()).isFalse();
        assertThat(fx.stored(id).getLease().getHolderId()).isEqualTo(alice.userId());
    }
}
