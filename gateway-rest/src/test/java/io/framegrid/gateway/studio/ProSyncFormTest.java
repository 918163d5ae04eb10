package io.framegrid.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framegrid.gateway.http.ApiException;
import io.framegrid.proto.studio.ProSyncTimeline;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every refusal of pro-sync's segments_data and effects: 400 INVALID_SEGMENT_CONFIG naming the index and values. */
class ProSyncFormTest {
    private static final List<String> AUDIO = List.of("intro.wav", "main.mp3");
    private static final String TWO = "[{\"startTime\":0,\"endTime\":15,\"audioInput\":{\"refId\":\"audio-1\","
            + "\"duration\":15.0,\"startTime\":0,\"endTime\":15}},{\"startTime\":15,\"endTime\":30,\"audioInput\":"
            + "{\"refId\":\"audio-2\",\"duration\":20.0,\"startTime\":5.0,\"endTime\":20.0}}]";

    private static ApiException refusedParse(String segments, String effects) {
        ApiException e = catchThrowableOfType(() -> ProSyncForm.parse(segments, effects, AUDIO), ApiException.class);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.code()).isEqualTo("INVALID_SEGMENT_CONFIG");
        assertThat(e.status().code()).isEqualTo(400);
        return e;
    }

    private static ApiException refusedCheck(String segments, String effects, double video, List<Double> audio) {
        ProSyncForm.Parsed p = ProSyncForm.parse(segments, effects, AUDIO);
        ApiException e = catchThrowableOfType(() -> ProSyncForm.check(p, video, audio), ApiException.class);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.code()).isEqualTo("INVALID_SEGMENT_CONFIG");
        return e;
    }

    private static String seg(double s, double e, String ref, String audio) {
        return "{\"startTime\":" + s + ",\"endTime\":" + e + ",\"audioInput\":{\"refId\":\"" + ref + "\"" + audio + "}}";
    }

    @Test
    void theSpecsExampleIsAcceptedWithItsTotals() {
        ProSyncForm.Parsed p = ProSyncForm.parse(TWO, null, AUDIO);
        assertThat(p.total()).isEqualTo(30.0);
        List<ProSyncTimeline.Segment> s = ProSyncForm.check(p, 30.0, List.of(15.0, 20.0));
        assertThat(s).containsExactly(new ProSyncTimeline.Segment(0, 15, 0, 0, 15),
                new ProSyncTimeline.Segment(15, 30, 1, 5, 20));
    }

    @Test
    void badJsonAndMissingFieldsAreRefused() {
        assertThat(refusedParse("[{", null).details()).containsEntry("field", "segments_data");
        assertThat(refusedParse("", null).details()).containsEntry("field", "segments_data");
        refusedParse("[]", null);
        refusedParse("{\"startTime\":0}", null);
        assertThat(refusedParse("[{\"startTime\":\"a\",\"endTime\":1}]", null).details())
                .containsEntry("segment_index", 0);
        assertThat(refusedParse("[" + seg(0, 1, "audio-1", "") + ",{\"startTime\":1,\"endTime\":2}]", null)
                .details()).containsEntry("segment_index", 1);
        assertThat(refusedParse("[" + seg(0, 1, "audio-1", ",\"duration\":\"x\"") + "]", null).details())
                .containsEntry("field", "audioInput.duration");
    }

    @Test
    void endNotAfterStartNamesTheSegmentAndItsTimes() {
        ApiException e = refusedParse("[" + seg(0, 5, "audio-1", "") + "," + seg(15, 10, "audio-1", "") + "]", null);
        assertThat(e.getMessage()).isEqualTo("Segment endTime must be greater than startTime");
        assertThat(e.details()).containsEntry("segment_index", 1).containsEntry("startTime", 15.0)
                .containsEntry("endTime", 10.0);
        assertThat(refusedParse("[" + seg(-1, 2, "audio-1", "") + "]", null).details())
                .containsEntry("startTime", -1.0);
    }

    @Test
    void unsortedAndOverlappingSegmentsAreRefused() {
        ApiException unsorted = refusedParse("[" + seg(5, 6, "audio-1", "") + "," + seg(1, 2, "audio-1", "") + "]", null);
        assertThat(unsorted.getMessage()).contains("sorted");
        assertThat(unsorted.details()).containsEntry("segment_index", 1);
        ApiException overlap = refusedParse("[" + seg(0, 6, "audio-1", "") + "," + seg(5, 8, "audio-1", "") + "]", null);
        assertThat(overlap.getMessage()).contains("overlap");
        assertThat(overlap.details()).containsEntry("segment_index", 1).containsEntry("previous_endTime", 6.0);
    }

    @Test
    void refIdsResolveByOrdinalOrFileNameAndUnknownOnesAreRefused() {
        assertThat(ProSyncForm.resolve("audio-1", AUDIO)).isZero();
        assertThat(ProSyncForm.resolve("audio-2", AUDIO)).isEqualTo(1);
        assertThat(ProSyncForm.resolve("main", AUDIO)).isEqualTo(1);
        assertThat(ProSyncForm.resolve("intro.wav", AUDIO)).isZero();
        assertThat(ProSyncForm.resolve("audio-3", AUDIO)).isEqualTo(-1);
        assertThat(ProSyncForm.resolve("audio-0", AUDIO)).isEqualTo(-1);
        ApiException e = refusedParse("[" + seg(0, 1, "audio-3", "") + "]", null);
        assertThat(e.details()).containsEntry("segment_index", 0).containsEntry("refId", "audio-3")
                .containsEntry("audio_files_count", 2);
        refusedParse("[{\"startTime\":0,\"endTime\":1,\"audioInput\":{}}]", null);
    }

    @Test
    void cropsAreCheckedAgainstTheProbedAudio() {
        // Crop end past the file's real 10 s.
        ApiException outside = refusedCheck("[" + seg(0, 5, "audio-1", ",\"startTime\":7,\"endTime\":12") + "]",
                null, 30, List.of(10.0, 20.0));
        assertThat(outside.details()).containsEntry("segment_index", 0).containsEntry("audio_endTime", 12.0)
                .containsEntry("audio_duration", 10.0);
        // The client's duration disagrees with the probe by more than 0.1 s.
        ApiException duration = refusedCheck("[" + seg(0, 5, "audio-1", ",\"duration\":10.5,\"endTime\":5") + "]",
                null, 30, List.of(10.0, 20.0));
        assertThat(duration.details()).containsEntry("duration", 10.5).containsEntry("audio_duration", 10.0);
        // Within 0.1 s is fine.
        ProSyncForm.check(ProSyncForm.parse("[" + seg(0, 5, "audio-1", ",\"duration\":10.05,\"endTime\":5") + "]",
                null, AUDIO), 30, List.of(10.0, 20.0));
        // Default crop = the whole file: 10 s of audio for a 5 s segment.
        ApiException length = refusedCheck("[" + seg(0, 5, "audio-1", "") + "]", null, 30, List.of(10.0, 20.0));
        assertThat(length.details()).containsEntry("segment_length", 5.0).containsEntry("audio_length", 10.0);
        ApiException backwards = refusedParse("[" + seg(0, 5, "audio-1", ",\"startTime\":4,\"endTime\":3") + "]", null);
        assertThat(backwards.details()).containsEntry("audio_startTime", 4.0);
        refusedCheck("[" + seg(0, 5, "audio-1", ",\"startTime\":10,\"endTime\":15") + "]", null, 30, List.of(10.0, 20.0));
    }

    @Test
    void aSegmentOutsideTheVideoIsRefused() {
        ApiException e = refusedCheck(TWO, null, 20.0, List.of(15.0, 20.0));
        assertThat(e.details()).containsEntry("segment_index", 1).containsEntry("endTime", 30.0)
                .containsEntry("video_duration", 20.0);
    }

    @Test
    void effectsAreValidatedTheSameWay() {
        String ok = "[" + seg(0, 1, "audio-1", ",\"endTime\":1") + "]";
        String box = ",\"coordinates\":{\"x\":10,\"y\":10,\"width\":20,\"height\":20}";
        assertThat(refusedParse(ok, "{").details()).containsEntry("field", "effects");
        assertThat(refusedParse(ok, "{}").details()).containsEntry("field", "effects");
        assertThat(refusedParse(ok, "[{\"type\":\"blur\",\"startTime\":0,\"endTime\":1" + box + "}]").details())
                .containsEntry("effect_index", 0).containsEntry("type", "blur");
        assertThat(refusedParse(ok, "[{\"type\":\"erasure\",\"startTime\":0,\"endTime\":1" + box + "},{\"type\":"
                + "\"erasure\",\"startTime\":3,\"endTime\":2" + box + "}]").details()).containsEntry("effect_index", 1);
        refusedParse(ok, "[{\"type\":\"erasure\",\"startTime\":0,\"endTime\":1,\"coordinates\":{\"x\":1,\"y\":1,"
                + "\"width\":0,\"height\":3}}]");
        refusedParse(ok, "[{\"type\":\"erasure\",\"startTime\":0,\"endTime\":1}]");
        refusedParse(ok, "[{\"type\":\"text\",\"startTime\":0,\"endTime\":1" + box + "}]");
        refusedParse(ok, "[{\"type\":\"text\",\"text\":\"" + "x".repeat(201) + "\",\"startTime\":0,\"endTime\":1" + box + "}]");
        refusedParse(ok, "[{\"type\":\"text\",\"text\":\"Hi\",\"color\":\"red\",\"startTime\":0,\"endTime\":1" + box + "}]");
        ApiException late = refusedCheck(ok, "[{\"type\":\"protection\",\"startTime\":5,\"endTime\":40" + box + "}]",
                30, List.of(10.0, 20.0));
        assertThat(late.details()).containsEntry("effect_index", 0).containsEntry("video_duration", 30.0);
        List<ProSyncTimeline.Effect> parsed = ProSyncForm.effects("[{\"type\":\"text\",\"text\":\"Hi, there\","
                + "\"color\":\"#FF9800\",\"startTime\":0,\"endTime\":1" + box + "}]");
        assertThat(parsed).containsExactly(new ProSyncTimeline.Effect("text", 0, 1, 10, 10, 20, 20, "Hi, there", "#FF9800"));
        assertThat(ProSyncTimeline.effects(ProSyncTimeline.encodeEffects(parsed))).isEqualTo(parsed);
    }

    @Test
    void effectBoxesPartlyOutsideTheFrameAreClippedAndWhollyOutsideOnesRefused() {
        String ok = "[" + seg(0, 1, "audio-1", ",\"endTime\":1") + "]";
        List<ProSyncTimeline.Effect> sent = ProSyncForm.parse(ok, "[{\"type\":\"protection\",\"startTime\":0,"
                + "\"endTime\":1,\"coordinates\":{\"x\":10,\"y\":10,\"width\":20,\"height\":20}},"
                + "{\"type\":\"erasure\",\"startTime\":0,\"endTime\":1,\"coordinates\":{\"x\":-5,\"y\":50,"
                + "\"width\":20,\"height\":40}},"
                + "{\"type\":\"text\",\"text\":\"Hi\",\"startTime\":0,\"endTime\":1,\"coordinates\":{\"x\":60,"
                + "\"y\":-3,\"width\":30,\"height\":10}}]", AUDIO).effects();
        // A 64x72 frame: the first box fits, the second leaves at the left and the bottom, the third at the top/right.
        assertThat(ProSyncForm.fit(sent, 64, 72)).containsExactly(
                new ProSyncTimeline.Effect("protection", 0, 1, 10, 10, 20, 20, "", ""),
                new ProSyncTimeline.Effect("erasure", 0, 1, 0, 50, 15, 22, "", ""),
                new ProSyncTimeline.Effect("text", 0, 1, 60, 0, 4, 7, "Hi", ""));
        // Unknown frame size: as sent.
        assertThat(ProSyncForm.fit(sent, 0, 0)).isEqualTo(sent);

        ApiException outside = catchThrowableOfType(() -> ProSyncForm.fit(sent, 64, 40), ApiException.class);
        assertThat(outside.status().code()).isEqualTo(400);
        assertThat(outside.code()).isEqualTo(ProSyncForm.CODE);
        assertThat(outside.details()).containsEntry("effect_index", 1).containsEntry("y", 50)
                .containsEntry("frame_width", 64).containsEntry("frame_height", 40);
        List<ProSyncTimeline.Effect> left = List.of(sent.get(0),
                new ProSyncTimeline.Effect("erasure", 0, 1, -30, 0, 30, 5, "", ""));
        assertThat(catchThrowableOfType(() -> ProSyncForm.fit(left, 64, 72), ApiException.class).details())
                .containsEntry("effect_index", 1);
        refusedParse(ok, "[{\"type\":\"erasure\",\"startTime\":0,\"endTime\":1,\"coordinates\":{\"x\":1e9,"
                + "\"y\":1,\"width\":3,\"height\":3}}]");
    }

    @Test
    void theTiersSegmentLimitIs403() {
        ProSyncForm.checkLimit(3, "free", 3);
        ApiException e = catchThrowableOfType(() -> ProSyncForm.checkLimit(4, "free", 3), ApiException.class);
        assertThat(e.status().code()).isEqualTo(403);
        assertThat(e.code()).isEqualTo("SEGMENT_LIMIT_EXCEEDED");
        assertThat(e.details()).containsEntry("limit", 3).containsEntry("segments_count", 4);
    }

    @Test
    void piecesCoverEverySegmentAndErasuresOutsideThem() {
        List<ProSyncTimeline.Segment> s = List.of(new ProSyncTimeline.Segment(1, 2, 0, 0, 1));
        List<ProSyncTimeline.Effect> e = List.of(new ProSyncTimeline.Effect("erasure", 0, 6, 0, 0, 4, 4, "", ""));
        assertThat(ProSyncTimeline.pieces(s, e, 25, 150)).containsExactly(new ProSyncTimeline.Piece(0, 25, 50),
                new ProSyncTimeline.Piece(-1, 0, 25), new ProSyncTimeline.Piece(-1, 50, 150));
        assertThat(ProSyncTimeline.pieces(s, List.of(), 25, 150)).containsExactly(new ProSyncTimeline.Piece(0, 25, 50));
    }
}
