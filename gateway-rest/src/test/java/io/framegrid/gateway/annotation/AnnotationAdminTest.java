package io.framegrid.gateway.annotation;

import static io.framegrid.gateway.annotation.AnnotationFixtures.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Surface A's admin actions (delete, reopen, unlock), the shared pool's views and the coordinator's lock metrics. */
class AnnotationAdminTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.annotation.lock-ttl", "1m"));

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    private static Reply post(String path, Annotator who) {
        return gw.postJson("annotation", path, "{}", who.bearer());
    }

    private static Reply delete(String id, Annotator who) {
        return gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("annotation", "/api/videos/" + id)).DELETE(),
                who.bearer());
    }

    @Test
    void onlyAnAdminDeletesAVideoAndItsData() throws Exception {
        String id = fx.seed("to delete");
        Annotator alice = fx.annotator();
        Annotator admin = fx.admin();
        assertThat(fx.multipart("/api/data/upload_button_data", alice, "button_data_file", "1\n0\n", "video_id", id)
                .status()).isEqualTo(200);
        assertThat(post("/api/annotations/" + id + "/start", alice).status()).isEqualTo(200);
        assertThat(gw.postJson("annotation", "/api/annotations/" + id + "/commit", "{\"annotations\":[]}",
                alice.bearer()).status()).isEqualTo(200);

        assertError(delete(id, alice), 403);
        assertThat(gw.get("annotation", "/api/videos/" + id, alice.bearer()).status()).isEqualTo(200);
        Reply deleted = delete(id, admin);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().get("video_id").asText()).isEqualTo(id);
        for (String cache : List.of(CacheNames.ANNOTATION_VIDEOS, CacheNames.ANNOTATIONS, CacheNames.ANNOTATION_SYNC)) {
            assertThat(gw.coordinator().ignite().cache(cache).containsKey(id)).as(cache).isFalse();
        }
        assertError(gw.get("annotation", "/api/videos/" + id, alice.bearer()), 404);
        assertError(gw.get("annotation", "/api/annotations/" + id, alice.bearer()), 404);
        assertError(gw.get("annotation", "/api/geolocation/" + id, alice.bearer()), 404);
        assertError(gw.get("annotation", "/api/videos/" + id + "/timeline", alice.bearer()), 404);
        assertError(delete(id, admin), 404);
        assertError(post("/api/annotations/" + id + "/reopen", admin), 404);
        assertError(post("/api/annotations/" + id + "/unlock", admin), 404);
        assertError(post("/api/annotations/" + id + "/start", alice), 404);
    }

    @Test
    void anAdminReopensAnAnnotatedVideoAndOldTokensStayRefused() throws Exception {
        fx.drainPool();
        String id = fx.seed("reopen");
        Annotator alice = fx.annotator();
        String token = post("/api/annotations/" + id + "/start", alice).json().get("lock_token").asText();
        assertThat(gw.postJson("annotation", "/api/annotations/" + id + "/commit", "{\"annotations\":[{\"timestamp\":5,"
                + "\"speed\":2,\"button_state\":0}],\"lock_token\":\"" + token + "\"}", alice.bearer()).status()).isEqualTo(200);
        assertError(gw.get("annotation", "/api/videos/next_unannotated", alice.bearer()), 404);

        assertError(post("/api/annotations/" + id + "/reopen", alice), 403);
        Reply reopened = post("/api/annotations/" + id + "/reopen", fx.admin());
        assertThat(reopened.status()).as(reopened.toString()).isEqualTo(200);
        assertThat(reopened.json().get("status").asText()).isEqualTo("reopened");
        assertThat(fx.stored(id).getAnnotated()).isFalse();
        Reply next = gw.get("annotation", "/api/videos/next_unannotated?lock=true", fx.annotator().bearer());
        assertThat(next.json().get("video_id").asText()).isEqualTo(id);
        assertThat(Long.parseLong(next.json().get("lock_token").asText())).isGreaterThan(Long.parseLong(token));
        // Alice's token from before the reopen is not the live lease's.
        assertError(gw.postJson("annotation", "/api/annotations/" + id + "/commit", "{\"annotations\":[],\"lock_token\":\""
                + token + "\"}", alice.bearer()), 409);
        // The earlier commit stays readable until the next one replaces it.
        assertThat(gw.get("annotation", "/api/annotations/" + id, alice.bearer()).json().get("annotations")).hasSize(1);
    }

    @Test
    void everyAnnotatorSeesTheWholePool() {
        String mine = fx.seed("pool view");
        Reply list = gw.get("annotation", "/api/videos", fx.annotator().bearer());
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.json().get("videos").findValuesAsText("video_id")).contains(mine);
        assertError(gw.get("annotation", "/api/videos"), 401);
    }

    @Test
    void lockMetricsCountHeldExpiredAndRefusedLocks() {
        String id = fx.seed("metrics");
        Annotator alice = fx.annotator();
        double refusedBefore = counter("framegrid_annotation_locks_refused", "VIDEO_LOCKED");
        double expiredBefore = counter("framegrid_annotation_locks_expired", null);
        assertThat(post("/api/annotations/" + id + "/start", alice).status()).isEqualTo(200);
        assertThat(gauge("framegrid_annotation_locks_held")).isGreaterThanOrEqualTo(1);
        assertError(post("/api/annotations/" + id + "/start", fx.annotator()), 409);
        assertThat(counter("framegrid_annotation_locks_refused", "VIDEO_LOCKED")).isEqualTo(refusedBefore + 1);
        double heldBefore = gauge("framegrid_annotation_locks_held");
        gw.coordinator().clock().advance(Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> counter("framegrid_annotation_locks_expired", null) > expiredBefore);
        assertThat(gauge("framegrid_annotation_locks_held")).isLessThan(heldBefore);
    }

    private static MetricSnapshot snapshot(String name) {
        return gw.coordinator().telemetry().registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private static double gauge(String name) {
        return ((GaugeSnapshot) snapshot(name)).getDataPoints().get(0).getValue();
    }

    private static double counter(String name, String reason) {
        return ((CounterSnapshot) snapshot(name)).getDataPoints().stream()
                .filter(d -> reason == null || reason.equals(d.getLabels().get("reason")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }
}
