package io.framegrid.proto.studio;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A validated pro-sync timeline as the gateway passes it to the coordinator and the gpu-nodes: segments (with the
 * 0-based index of their audio file and the audio crop in that file's seconds) and effects, in a compact text form
 * that needs no JSON library in any role. The gateway checks the spec's JSON; this class only carries the result.
 */
public final class ProSyncTimeline {
    /** Longest stretch outside segments one render task erases (about 4 s at 25 fps, as GhostCut's ranges). */
    public static final int GAP_PIECE_FRAMES = 100;

    /** One segment: video {@code [start, end)} s, spoken by audio file {@code audio} from {@code cropStart} s. */
    public record Segment(double start, double end, int audio, double cropStart, double cropEnd) {}

    /** One effect: {@code erasure | protection | text} over {@code [start, end)} s in the box; {@code text} for text. */
    public record Effect(String type, double start, double end, int x, int y, int width, int height, String text,
                         String color) {}

    /** What one render task covers: frames {@code [from, to)}; {@code segment} its segment's index, -1 for a gap. */
    public record Piece(int segment, long from, long to) {}

    private ProSyncTimeline() {
    }

    public static String encodeSegments(List<Segment> segments) {
        List<String> parts = new ArrayList<>();
        for (Segment s : segments) {
            parts.add(num(s.start()) + "," + num(s.end()) + "," + s.audio() + "," + num(s.cropStart()) + ","
                    + num(s.cropEnd()));
        }
        return String.join(";", parts);
    }

    public static List<Segment> segments(String encoded) {
        List<Segment> out = new ArrayList<>();
        if (encoded == null || encoded.isBlank()) {
            return out;
        }
        for (String part : encoded.split(";")) {
            String[] f = part.split(",");
            if (f.length != 5) {
                throw new IllegalArgumentException("bad segment '" + part + "'");
            }
            out.add(new Segment(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Integer.parseInt(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4])));
        }
        return out;
    }

    public static String encodeEffects(List<Effect> effects) {
        List<String> parts = new ArrayList<>();
        for (Effect e : effects) {
            parts.add(e.type() + "," + num(e.start()) + "," + num(e.end()) + "," + e.x() + "," + e.y() + ","
                    + e.width() + "," + e.height() + "," + b64(e.text()) + "," + b64(e.color()));
        }
        return String.join(";", parts);
    }

    public static List<Effect> effects(String encoded) {
        List<Effect> out = new ArrayList<>();
        if (encoded == null || encoded.isBlank()) {
            return out;
        }
        Base64.Decoder d = Base64.getUrlDecoder();
        for (String part : encoded.split(";")) {
            String[] f = part.split(",", -1);
            if (f.length != 9) {
                throw new IllegalArgumentException("bad effect '" + part + "'");
            }
            out.add(new Effect(f[0], Double.parseDouble(f[1]), Double.parseDouble(f[2]), Integer.parseInt(f[3]),
                    Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]),
                    new String(d.decode(f[7]), StandardCharsets.UTF_8), new String(d.decode(f[8]), StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** The first frame whose start time is at or after {@code seconds}. */
    public static long frameAt(double seconds, double fps) {
        return Math.max(0, (long) Math.ceil(seconds * fps - 1e-6));
    }

    /**
     * The render tasks of a timeline: every segment (in order, frames clipped to the video), then the frames outside
     * segments that an erasure covers, cut into pieces of at most {@link #GAP_PIECE_FRAMES}. Deterministic, so the
     * planner and every task compute the same list.
     */
    public static List<Piece> pieces(List<Segment> segments, List<Effect> effects, double fps, long totalFrames) {
        List<Piece> pieces = new ArrayList<>();
        boolean[] inSegment = new boolean[(int) Math.max(0, totalFrames)];
        for (int i = 0; i < segments.size(); i++) {
            long from = Math.min(totalFrames, frameAt(segments.get(i).start(), fps));
            long to = Math.min(totalFrames, frameAt(segments.get(i).end(), fps));
            pieces.add(new Piece(i, from, Math.max(from, to)));
            for (long f = from; f < to; f++) {
                inSegment[(int) f] = true;
            }
        }
        boolean[] erased = new boolean[inSegment.length];
        for (Effect e : effects) {
            if (!"erasure".equals(e.type())) {
                continue;
            }
            long to = Math.min(totalFrames, frameAt(e.end(), fps));
            for (long f = Math.min(totalFrames, frameAt(e.start(), fps)); f < to; f++) {
                erased[(int) f] = !inSegment[(int) f];
            }
        }
        long start = -1;
        for (int f = 0; f <= erased.length; f++) {
            boolean on = f < erased.length && erased[f];
            if (on && start < 0) {
                start = f;
            }
            if (start >= 0 && (!on || f - start == GAP_PIECE_FRAMES)) {
                pieces.add(new Piece(-1, start, f));
                start = on ? f : -1;
            }
        }
        return pieces;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
    }
}
