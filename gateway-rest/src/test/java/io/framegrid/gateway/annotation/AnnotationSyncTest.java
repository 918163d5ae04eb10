package io.framegrid.gateway.annotation;

import static io.framegrid.gateway.annotation.AnnotationFixtures.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.framegrid.proto.annotation.v1.Sync;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface A's synchronisation routes end to end (real coordinator and gateway): button data as TXT and with
 * timestamps, segment anchors, cumulative shifts applied to every view while the stored data stays raw.
 */
class AnnotationSyncTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    private Reply buttons(Annotator who, String video, String txt) {
        return fx.multipart("/api/data/upload_button_data", who, "button_data_file", txt, "video_id", video);
    }

    private static JsonNode timeline(String video, Annotator who) {
        Reply r = gw.get("annotation", "/api/videos/" + video + "/timeline", who.bearer());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static List<Long> times(JsonNode items, String field) {
        List<Long> out = new ArrayList<>();
        items.forEach(n -> out.add(n.get(field).isNull() ? null : n.get(field).asLong()));
        return out;
    }

    private Sync stored(String id) throws Exception {
        return Sync.parseFrom(gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_SYNC).get(id));
    }

    @Test
    void buttonTxtIsSpreadOverTheVideoUntilTimestampsArrive() throws Exception {
        String id = fx.seed("buttons"); // 10 s
        Annotator alice = fx.annotator();
        Reply ok = buttons(alice, id, "0\n1\r\n 1 \n0\n\n");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().get("status").asText()).isEqualTo("success");
        assertThat(ok.json().get("message").asText()).isEqualTo("Button data uploaded successfully");
        JsonNode t = timeline(id, alice);
        assertThat(t.get("buttons_timed").asBoolean()).isFalse();
        assertThat(times(t.get("buttons"), "timestamp")).containsExactly(0L, 2500L, 5000L, 7500L);
        assertThat(times(t.get("buttons"), "button_state")).containsExactly(0L, 1L, 1L, 0L);

        Reply bad = buttons(alice, id, "0\n2\n1\nyes\n");
        assertError(bad, 400);
        assertThat(bad.json().get("message").asText()).contains("lines 2, 4");
        assertError(buttons(alice, id, ""), 400);
        assertError(buttons(alice, id, "0\n\n1"), 400);
        assertError(fx.multipart("/api/data/upload_button_data", alice, null, null, "video_id", id), 400);
        assertError(buttons(alice, "no-such-video", "1\n"), 404);
        assertError(buttons(null, id, "1\n"), 401);
        // Refusals stored nothing: the first upload is still the series.
        assertThat(stored(id).getButtonStatesList()).containsExactly(0, 1, 1, 0);

        Reply timed = gw.postJson("annotation", "/api/data/add_button_timestamp", "{\"video_id\":\"" + id
                + "\",\"button_data_with_timestamps\":[{\"timestamp\":900,\"button_state\":1},"
                + "{\"timestamp\":100,\"button_state\":0}]}", alice.bearer());
        assertThat(timed.status()).as(timed.toString()).isEqualTo(200);
        assertThat(timed.json().get("message").asText()).isEqualTo("Button data with timestamps added successfully");
        t = timeline(id, alice);
        assertThat(t.get("buttons_timed").asBoolean()).isTrue();
        assertThat(times(t.get("buttons"), "timestamp")).containsExactly(100L, 900L);
        assertThat(times(t.get("buttons"), "button_state")).containsExactly(0L, 1L);
        for (String body : List.of("[{\"timestamp\":1,\"button_state\":2}]", "[{\"timestamp\":-1,\"button_state\":0}]",
                "[{\"timestamp\":5,\"button_state\":0},{\"timestamp\":5,\"button_state\":1}]", "[{\"timestamp\":5}]",
                "\"none\"")) {
            assertError(gw.postJson("annotation", "/api/data/add_button_timestamp", "{\"video_id\":\"" + id
                    + "\",\"button_data_with_timestamps\":" + body + "}", alice.bearer()), 400);
        }
        assertError(gw.postJson("annotation", "/api/data/add_button_timestamp",
                "{\"video_id\":\"nope\",\"button_data_with_timestamps\":[]}", alice.bearer()), 404);
        assertThat(stored(id).getButtonsCount()).isEqualTo(2);
    }

    @Test
    void shiftsAndAnchorsApplyToEveryViewAndLeaveTheDataRaw() throws Exception {
        String id = fx.seed("shifts"); // 10 s
        Annotator alice = fx.annotator();
        Reply csv = fx.multipart("/api/data/upload_csv", alice, "csv_file",
                "timestamp,speed,latitude,longitude\n0,10,55.0,37.0\n5000,12,55.1,37.1\n", "video_id", id);
        assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
        // File seconds 0-5 play from data-clock ms 1000.
        Reply anchored = gw.postJson("annotation", "/api/data/add_video_timestamp", "{\"video_id\":\"" + id
                + "\",\"video_data_with_timestamps\":[{\"timestamp\":1000,\"video_segment\":\"0-5\"}]}", alice.bearer());
        assertThat(anchored.status()).as(anchored.toString()).isEqualTo(200);
        assertThat(anchored.json().get("message").asText()).isEqualTo("Video timestamps added/adjusted successfully");
        for (String seg : List.of("\"5-2\"", "\"abc\"", "\"0-30\"", "\"-1-2\"")) {
            assertError(gw.postJson("annotation", "/api/data/add_video_timestamp", "{\"video_id\":\"" + id
                    + "\",\"video_data_with_timestamps\":[{\"timestamp\":0,\"video_segment\":" + seg + "}]}",
                    alice.bearer()), 400);
        }
        assertError(gw.postJson("annotation", "/api/data/add_video_timestamp", "{\"video_id\":\"" + id
                + "\",\"video_data_with_timestamps\":[{\"timestamp\":0,\"video_segment\":\"0-4\"},"
                + "{\"timestamp\":9000,\"video_segment\":\"3-6\"}]}", alice.bearer()), 400);

        Reply s1 = shift(id, alice, "shift_timestamp", "1.5");
        assertThat(s1.status()).as(s1.toString()).isEqualTo(200);
        assertThat(s1.json().get("message").asText()).isEqualTo("Video timestamps shifted successfully");
        Reply s2 = shift(id, alice, "shift_timestamp", "-0.25");
        assertThat(s2.json().get("video_offset_ms").asLong()).isEqualTo(1250);
        Reply b = shift(id, alice, "shift_button_timestamp", "0.5");
        assertThat(b.status()).as(b.toString()).isEqualTo(200);
        assertThat(b.json().get("message").asText()).isEqualTo("Button data timestamps shifted successfully");
        assertThat(b.json().get("button_offset_ms").asLong()).isEqualTo(500);
        for (String bad : List.of("\"abc\"", "\"1.5\"", "null", "true", "[1]", "1e9")) {
            assertError(shift(id, alice, "shift_timestamp", bad), 400);
        }
        assertError(gw.postJson("annotation", "/api/annotations/" + id + "/shift_timestamp", "{}", alice.bearer()), 400);
        assertError(shift("nope", alice, "shift_timestamp", "1"), 404);
        assertError(shift("nope", alice, "shift_button_timestamp", "1"), 404);

        // Geolocation: data-clock times as uploaded; the point at 5000 plays at file 2750 (5000 - 1250 - 1000 + 0).
        JsonNode locs = gw.get("annotation", "/api/geolocation/" + id, alice.bearer()).json().get("locations");
        assertThat(times(locs, "timestamp")).containsExactly(0L, 5000L);
        assertThat(times(locs, "video_time")).containsExactly(null, 2750L);
        assertThat(buttons(alice, id, "1\n0\n").status()).isEqualTo(200);
        assertThat(times(timeline(id, alice).get("buttons"), "timestamp")).containsExactly(500L, 5500L);

        // The commit echo: file 2000 ms is data-clock 1000 + 2000 + 1250; file 7000 (no anchor) is 7000 + 1250.
        String token = gw.postJson("annotation", "/api/annotations/" + id + "/start", "{}", alice.bearer()).json()
                .get("lock_token").asText();
        Reply done = gw.postJson("annotation", "/api/annotations/" + id + "/commit", "{\"annotations\":["
                + "{\"timestamp\":2000,\"speed\":3,\"button_state\":1},{\"timestamp\":7000,\"speed\":4,\"button_state\":0}],"
                + "\"lock_token\":\"" + token + "\"}", alice.bearer());
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(times(done.json().get("annotations"), "timestamp")).containsExactly(4250L, 8250L);
        Reply read = gw.get("annotation", "/api/annotations/" + id, alice.bearer());
        assertThat(times(read.json().get("annotations"), "timestamp")).containsExactly(4250L, 8250L);

        Sync raw = stored(id);
        assertThat(raw.getVideoOffsetUs()).isEqualTo(1_250_000);
        assertThat(raw.getButtonOffsetUs()).isEqualTo(500_000);
        assertThat(raw.getSegments(0).getTimestampMs()).isEqualTo(1000);
        assertThat(raw.getButtonStatesList()).containsExactly(1, 0);
    }

    @Test
    void anotherUsersLockRefusesTheirChangesButNotAnAdmins() {
        String id = fx.seed("guarded");
        Annotator alice = fx.annotator();
        assertThat(gw.postJson("annotation", "/api/annotations/" + id + "/start", "{}", alice.bearer()).status())
                .isEqualTo(200);
        Annotator bob = fx.annotator();
        assertError(shift(id, bob, "shift_timestamp", "1"), 409);
        assertError(buttons(bob, id, "1\n"), 409);
        assertThat(shift(id, alice, "shift_timestamp", "1").status()).isEqualTo(200);
        assertThat(shift(id, fx.admin(), "shift_timestamp", "1").json().get("video_offset_ms").asLong()).isEqualTo(2000);
    }

    private static Reply shift(String id, Annotator who, String route, String offset) {
        return gw.postJson("annotation", "/api/annotations/" + id + "/" + route, "{\"timestamp_offset\":" + offset + "}",
                who.bearer());
    }
}
