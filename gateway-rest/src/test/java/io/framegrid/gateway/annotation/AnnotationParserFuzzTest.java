package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CSV and TXT parsers under generated input (a seeded generator of near-valid files: real columns and rows
 * mutated with wrong cells, extreme numbers and dates, stray quotes, BOMs, blank and CR lines). In process, each
 * file either parses into only valid points or is refused with the parser's own exception, never anything else.
 * Over HTTP, each upload is 200 exactly when the parser accepts it and 400 otherwise (never 5xx), and what the grid
 * holds afterwards is the previous upload or the new one whole, never a part. A failure names its seed and case.
 */
class AnnotationParserFuzzTest {
    private static final long SEED = 20261201L;
    private static final int IN_PROCESS_CASES = 3_000;
    private static final int HTTP_CASES = 40;

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    private static final String[] HEADERS = {"timestamp", "time_s", "t", "timestamp(ms)", "speed", "speed_kmh",
            "speed_mph", "speed_mps", "latitude", "lat", "longitude", "lon", "lng", "\"speed\"", "Time", "altitude", ""};
    private static final String[] CELLS = {"0", "1", "-1", "12.5", "1e3", "1e400", "NaN", "Infinity", "-0", "",
            "\"7\"", "\"", "abc", "2026-12-01T10:00:00Z", "2026-12-01T10:00:00.250+03:00", "+999999999-12-31T23:59:59Z",
            "-999999999-01-01T00:00:00Z", "90", "-90.0001", "180", "181", "0x10", "1_000", " 3 ", "1.0000001", "999.99",
            "1000.5", "9223372036854775807", "1e15", "1e16", "٣", "\u0000"};

    private static final String[][] GOOD_HEADERS = {{"timestamp", "speed"}, {"time_s", "speed_kmh", "lat", "lon"},
            {"t", "latitude", "longitude"}, {"timestamp", "speed_mph", "latitude", "longitude"}};

    private static String csv(Random r) {
        StringBuilder b = new StringBuilder();
        if (r.nextInt(10) == 0) {
            b.append('\uFEFF');
        }
        String[] header;
        if (r.nextInt(4) > 0) {
            header = GOOD_HEADERS[r.nextInt(GOOD_HEADERS.length)];
        } else {
            header = new String[1 + r.nextInt(4)];
            for (int c = 0; c < header.length; c++) {
                header[c] = HEADERS[r.nextInt(HEADERS.length)];
            }
        }
        b.append(String.join(",", header)).append(eol(r));
        int rows = r.nextInt(8);
        for (int i = 0; i < rows; i++) {
            int cells = r.nextInt(12) == 0 ? r.nextInt(6) : header.length;
            for (int c = 0; c < cells; c++) {
                String cell = r.nextInt(24) > 0 ? good(header.length > c ? header[c] : "", i, r)
                        : CELLS[r.nextInt(CELLS.length)];
                b.append(c == 0 ? "" : ",").append(cell);
            }
            b.append(eol(r));
        }
        return b.toString();
    }

    /** A plausible value for {@code column} on row {@code i}. */
    private static String good(String column, int i, Random r) {
        if (column.startsWith("t")) {
            return Integer.toString(column.endsWith("_s") ? i : i * 50);
        }
        if (column.startsWith("speed")) {
            return String.format(java.util.Locale.ROOT, "%.2f", r.nextDouble() * 40);
        }
        if (column.startsWith("lat")) {
            return String.format(java.util.Locale.ROOT, "%.6f", r.nextDouble() * 180 - 90);
        }
        return String.format(java.util.Locale.ROOT, "%.6f", r.nextDouble() * 360 - 180);
    }

    private static String txt(Random r) {
        String[] lines = {"0", "1", " 1", "0 ", "", "2", "01", "1.0", "true", "\t0", "-0", "x", "\u00A01", "\uFEFF0"};
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            b.append(r.nextInt(4) == 0 ? lines[r.nextInt(lines.length)] : r.nextBoolean() ? "1" : "0").append(eol(r));
        }
        return b.toString();
    }

    private static String eol(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "\r\n";
            case 1 -> "\r";
            case 2 -> "\n\n";
            default -> "\n";
        };
    }

    @Test
    void parsersAcceptOnlyValidDataAndRefuseEverythingElseInTheirOwnWords() {
        Random r = new Random(SEED);
        int accepted = 0;
        for (int i = 0; i < IN_PROCESS_CASES; i++) {
            String text = csv(r);
            try {
                List<TelemetryPoint> points = TelemetryCsv.parse(text);
                accepted++;
                assertThat(points).as("seed %d case %d: %s", SEED, i, text).isNotEmpty().allSatisfy(p -> {
                    assertThat(p.getTimestampMs()).isNotNegative();
                    assertThat(p.getHasSpeed() || p.getHasLocation()).isTrue();
                    assertThat(!p.getHasSpeed() || Double.isFinite(p.getSpeedMps()) && p.getSpeedMps() >= 0).isTrue();
                    assertThat(!p.getHasLocation() || Math.abs(p.getLatitude()) <= 90 && Math.abs(p.getLongitude()) <= 180)
                            .isTrue();
                });
            } catch (TelemetryCsv.InvalidCsv refused) {
                assertThat(refused.getMessage()).as("seed %d case %d", SEED, i).startsWith("Invalid CSV");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + SEED + " case " + i + " threw " + e + " on: " + text, e);
            }
            String lines = txt(r);
            try {
                assertThat(ButtonTxt.parse(lines)).as("seed %d case %d", SEED, i).isNotEmpty()
                        .allSatisfy(s -> assertThat(s).isBetween(0, 1));
            } catch (ButtonTxt.InvalidTxt refused) {
                assertThat(refused.getMessage()).startsWith("Invalid button data");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + SEED + " case " + i + " threw " + e + " on: " + lines, e);
            }
        }
        // The generator is worth something only if it reaches both sides.
        assertThat(accepted).isBetween(IN_PROCESS_CASES / 50, IN_PROCESS_CASES - IN_PROCESS_CASES / 50);
    }

    @Test
    void uploadsAreWholeOrNothingAndNever5xx() throws Exception {
        String id = fx.seed("fuzzed");
        Annotator alice = fx.annotator();
        Random r = new Random(SEED + 1);
        Telemetry expected = Telemetry.newBuilder().setVideoId(id).build();
        Sync expectedButtons = null;
        for (int i = 0; i < HTTP_CASES; i++) {
            String text = csv(r);
            List<TelemetryPoint> parsed = parseOrNull(text);
            Reply reply = fx.multipart("/api/data/upload_csv", alice, "csv_file", text, "video_id", id);
            assertThat(reply.status()).as("seed %d case %d: %s -> %s", SEED + 1, i, text, reply)
                    .isEqualTo(parsed == null ? 400 : 200);
            if (parsed != null) {
                expected = Telemetry.newBuilder().setVideoId(id).addAllPoints(parsed).build();
            }
            byte[] held = gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_TELEMETRY).get(id);
            assertThat(held == null ? Telemetry.newBuilder().setVideoId(id).build() : Telemetry.parseFrom(held))
                    .as("seed %d case %d", SEED + 1, i).isEqualTo(expected);

            String lines = txt(r);
            List<Integer> states = statesOrNull(lines);
            Reply button = fx.multipart("/api/data/upload_button_data", alice, "button_data_file", lines, "video_id", id);
            assertThat(button.status()).as("seed %d case %d: %s -> %s", SEED + 1, i, lines, button)
                    .isEqualTo(states == null ? 400 : 200);
            byte[] sync = gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_SYNC).get(id);
            if (states != null) {
                expectedButtons = Sync.parseFrom(sync);
                assertThat(expectedButtons.getButtonStatesList()).isEqualTo(states);
            } else if (expectedButtons != null) {
                assertThat(Sync.parseFrom(sync)).isEqualTo(expectedButtons);
            } else {
                assertThat(sync).isNull();
            }
        }
    }

    private static List<TelemetryPoint> parseOrNull(String text) {
        try {
            return TelemetryCsv.parse(text);
        } catch (TelemetryCsv.InvalidCsv e) {
            return null;
        }
    }

    private static List<Integer> statesOrNull(String text) {
        try {
            return ButtonTxt.parse(text);
        } catch (ButtonTxt.InvalidTxt e) {
            return null;
        }
    }
}
