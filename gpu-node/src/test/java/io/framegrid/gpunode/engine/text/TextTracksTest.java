package io.framegrid.gpunode.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextTracksTest {

    private static final TextTracks.Settings SETTINGS = TextTracks.Settings.defaults();

    /** Samples every 5th frame 0..95; {@code text} decides which samples see a (jittering) box. */
    private static List<FrameBoxes> samples(java.util.function.LongPredicate text) {
        List<FrameBoxes> out = new ArrayList<>();
        for (long f = 0; f < 100; f += 5) {
            int jitter = (int) (f % 3) - 1;
            out.add(new FrameBoxes(f, text.test(f) ? List.of(new TextBox(101 + jitter, 301, 198 - jitter, 29)) : List.of()));
        }
        return out;
    }

    @Test
    void missedSamplesAreFilledAndTheSpanReachesTheNeighbouringSamples() {
        // Seen on samples 20..70 except 40 (a miss within the allowed gap).
        TextTracks tracks = TextTracks.build(samples(f -> f >= 20 && f <= 70 && f != 40), List.of(),
                List.of(), 640, 360, SETTINGS);

        assertThat(tracks.tracks()).hasSize(1);
        TextTrack t = tracks.tracks().get(0);
        assertThat(t.firstFrame()).isEqualTo(16);  // just after sample 15, which had no text
        assertThat(t.lastFrame()).isEqualTo(74);   // just before sample 75
        for (long f = 16; f <= 74; f++) {
            assertThat(tracks.boxesAt(f)).hasSize(1);
        }
        assertThat(tracks.boxesAt(15)).isEmpty();
        assertThat(tracks.boxesAt(75)).isEmpty();
        // Snapped outward to the 4 px grid: jitter of a pixel does not move the box.
        assertThat(tracks.boxesAt(42).get(0)).isEqualTo(new TextBox(100, 300, 200, 32));
    }

    @Test
    void aLongerGapEndsTheTrack() {
        TextTracks tracks = TextTracks.build(samples(f -> f <= 20 || f >= 35), List.of(), List.of(), 640, 360, SETTINGS);
        assertThat(tracks.tracks()).hasSize(2);
        assertThat(tracks.boxesAt(30)).isEmpty();
    }

    @Test
    void tracksAreCutAtShotBoundaries() {
        // Text on every sample, but a cut at frame 50: two tracks, neither crossing it.
        TextTracks tracks = TextTracks.build(samples(f -> true), List.of(new int[] {0, 49}, new int[] {50, 99}),
                List.of(), 640, 360, SETTINGS);
        assertThat(tracks.tracks()).hasSize(2);
        assertThat(tracks.tracks()).extracting(TextTrack::firstFrame, TextTrack::lastFrame)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(0L, 49L),
                        org.assertj.core.groups.Tuple.tuple(50L, 99L));
    }

    @Test
    void wordsOfOneLineMergeAndSeparateLinesDoNot() {
        List<TextBox> merged = TextTracks.mergeLines(List.of(new TextBox(100, 300, 80, 30), new TextBox(190, 302, 60, 28),
                new TextBox(100, 200, 80, 30)), 0.5);
        assertThat(merged).containsExactlyInAnyOrder(new TextBox(100, 300, 150, 30), new TextBox(100, 200, 80, 30));
    }

    @Test
    void aMovingTextCoversTheAreaItSweepsBetweenSamples() {
        List<FrameBoxes> moving = new ArrayList<>();
        for (long f = 0; f <= 20; f += 5) {
            moving.add(new FrameBoxes(f, List.of(new TextBox((int) (100 + 4 * f), 300, 200, 32))));
        }
        TextTracks tracks = TextTracks.build(moving, List.of(), List.of(), 640, 360, SETTINGS);
        assertThat(tracks.tracks()).hasSize(1);
        assertThat(tracks.boxesAt(7).get(0)).isEqualTo(new TextBox(120, 300, 220, 32)); // samples 5 and 10
    }

    @Test
    void userAreasAreTracksOverTheirOwnFrames() {
        UserArea area = UserArea.ofSeconds(1.0, 2.0, new TextBox(10, 10, 50, 20), UserArea.Kind.ofSpec("erasure"), 25);
        TextTracks tracks = TextTracks.build(List.of(), List.of(new int[] {0, 30}, new int[] {31, 99}), List.of(area),
                640, 360, SETTINGS);
        assertThat(tracks.tracks()).singleElement().satisfies(t -> {
            assertThat(t.userArea()).isTrue();
            assertThat(t.firstFrame()).isEqualTo(25);
            assertThat(t.lastFrame()).isEqualTo(49);
        });
        assertThat(tracks.boxesAt(24)).isEmpty();
        assertThat(tracks.boxesAt(40)).containsExactly(new TextBox(10, 10, 50, 20));
    }
}
