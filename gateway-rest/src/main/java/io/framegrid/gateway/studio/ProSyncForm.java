package io.framegrid.gateway.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Json;
import io.framegrid.proto.studio.ProSyncTimeline;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pro-sync form's {@code segments_data} and {@code effects}, checked as the spec's Segment and Effect models
 * say; every refusal is 400 {@code INVALID_SEGMENT_CONFIG} whose {@code details} name the 0-based
 * {@code segment_index} (or {@code effect_index}) and the offending values.
 *
 * <p>{@code audioInput.refId} names an uploaded audio file: {@code audio-N} is the N-th part of {@code audio_files}
 * (1-based, in the order sent), or else the file's name, with or without its extension. The crop
 * ({@code audioInput.startTime}/{@code endTime}, default the whole file) must lie inside that file's duration as a
 * gpu-node measured it from its samples, {@code audioInput.duration} must agree with it within
 * {@link #TOLERANCE} s, and the crop must be as long as the segment within {@link #TOLERANCE} s.
 *
 * <p>An effect's box may reach past the frame's edges (a client drawing on a scaled preview easily overshoots by a
 * pixel or two, and negative {@code x}/{@code y} are allowed for the same reason): it is clipped to the probed frame
 * ({@link #fit}) and the job runs, and reports, the clipped box. A box with no pixel inside the frame is refused
 * naming its {@code effect_index}.
 */
final class ProSyncForm {
    static final String CODE = "INVALID_SEGMENT_CONFIG";
    static final double TOLERANCE = 0.1;
    /** How far past the video's probed end a segment or effect may reach (container durations round). */
    static final double END_SLACK = 0.05;
    static final int MAX_EFFECTS = 100;
    static final int MAX_TEXT = 200;
    /** Bounds any coordinate (in pixels) so that a box's arithmetic never overflows. */
    static final int MAX_COORDINATE = 100_000;
    static final Set<String> EFFECT_TYPES = Set.of("erasure", "protection", "text");

    /** A segment as sent, with its audio file resolved ({@code audio} 0-based) and its crop (NaN end: to the end). */
    record Parsed(List<Seg> segments, List<ProSyncTimeline.Effect> effects) {
        double total() {
            return segments.stream().mapToDouble(s -> s.end - s.start).sum();
        }
    }

    record Seg(double start, double end, int audio, Double clientDuration, double cropStart, Double cropEnd) {}

    private ProSyncForm() {
    }

    /** The JSON's shape, order and references; {@code audioNames} are the uploaded files' names in order. */
    static Parsed parse(String segmentsJson, String effectsJson, List<String> audioNames) {
        JsonNode array = json(segmentsJson, "segments_data");
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw invalid("Field 'segments_data' must be a non-empty JSON array of segments", null);
        }
        List<Seg> segments = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode s = array.get(i);
            if (!s.isObject() || !s.path("startTime").isNumber() || !s.path("endTime").isNumber()) {
                throw invalid("Segment startTime and endTime must be numbers (seconds)", Map.of("segment_index", i));
            }
            double start = s.get("startTime").asDouble();
            double end = s.get("endTime").asDouble();
            if (start < 0) {
                throw invalid("Segment startTime must be >= 0", details("segment_index", i, "startTime", start));
            }
            if (end <= start) {
                throw invalid("Segment endTime must be greater than startTime",
                        details("segment_index", i, "startTime", start, "endTime", end));
            }
            if (!segments.isEmpty() && start < segments.get(segments.size() - 1).end() - 1e-9) {
                Seg prev = segments.get(segments.size() - 1);
                throw invalid(start < prev.start() ? "Segments must be sorted by startTime"
                        : "Segments must not overlap", details("segment_index", i, "startTime", start,
                        "previous_endTime", prev.end()));
            }
            JsonNode a = s.get("audioInput");
            if (a == null || !a.isObject() || !a.path("refId").isTextual()) {
                throw invalid("Segment audioInput.refId is required", Map.of("segment_index", i));
            }
            String ref = a.get("refId").asText();
            int audio = resolve(ref, audioNames);
            if (audio < 0) {
                throw invalid("Segment audioInput.refId names no uploaded audio file (use audio-N, 1-based, or a "
                        + "file name)", details("segment_index", i, "refId", ref, "audio_files_count", audioNames.size()));
            }
            for (String f : new String[] {"duration", "startTime", "endTime"}) {
                if (a.has(f) && !a.get(f).isNumber()) {
                    throw invalid("Segment audioInput." + f + " must be a number", details("segment_index", i, "field",
                            "audioInput." + f));
                }
            }
            double cropStart = a.path("startTime").asDouble(0);
            Double cropEnd = a.has("endTime") ? a.get("endTime").asDouble() : null;
            if (cropStart < 0 || cropEnd != null && cropEnd <= cropStart) {
                throw invalid("Segment audio crop must have 0 <= startTime < endTime",
                        details("segment_index", i, "audio_startTime", cropStart, "audio_endTime", cropEnd));
            }
            segments.add(new Seg(start, end, audio, a.has("duration") ? a.get("duration").asDouble() : null,
                    cropStart, cropEnd));
        }
        return new Parsed(segments, effects(effectsJson));
    }

    /** {@code audio-N} (1-based), else a file name with or without extension; -1 when none matches. */
    static int resolve(String ref, List<String> names) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("audio-(\\d{1,4})").matcher(ref);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1));
            return n >= 1 && n <= names.size() ? n - 1 : -1;
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.equals(ref) || name.replaceFirst("\\.[^.]*$", "").equals(ref)) {
                return i;
            }
        }
        return -1;
    }

    /** Against the probed durations: the video's and each audio file's; returns the timeline to run. */
    static List<ProSyncTimeline.Segment> check(Parsed p, double videoSeconds, List<Double> audioSeconds) {
        List<ProSyncTimeline.Segment> out = new ArrayList<>();
        for (int i = 0; i < p.segments().size(); i++) {
            Seg s = p.segments().get(i);
            if (s.end() > videoSeconds + END_SLACK) {
                throw invalid("Segment lies outside the video's duration", details("segment_index", i,
                        "startTime", s.start(), "endTime", s.end(), "video_duration", videoSeconds));
            }
            double audio = audioSeconds.get(s.audio());
            if (s.clientDuration() != null && Math.abs(s.clientDuration() - audio) > TOLERANCE) {
                throw invalid("Segment audioInput.duration disagrees with the audio file's duration",
                        details("segment_index", i, "duration", s.clientDuration(), "audio_duration", audio));
            }
            double cropEnd = s.cropEnd() == null ? audio : s.cropEnd();
            if (s.cropStart() >= audio || cropEnd > audio + TOLERANCE) {
                throw invalid("Segment audio crop lies outside the audio file's duration", details("segment_index", i,
                        "audio_startTime", s.cropStart(), "audio_endTime", cropEnd, "audio_duration", audio));
            }
            double length = s.end() - s.start();
            if (Math.abs((cropEnd - s.cropStart()) - length) > TOLERANCE) {
                throw invalid("Segment audio crop length differs from the segment's length",
                        details("segment_index", i, "segment_length", length, "audio_length", cropEnd - s.cropStart()));
            }
            out.add(new ProSyncTimeline.Segment(s.start(), Math.min(s.end(), videoSeconds), s.audio(), s.cropStart(),
                    cropEnd));
        }
        for (int i = 0; i < p.effects().size(); i++) {
            ProSyncTimeline.Effect e = p.effects().get(i);
            if (e.start() >= videoSeconds || e.end() > videoSeconds + END_SLACK) {
                throw invalid("Effect lies outside the video's duration", details("effect_index", i,
                        "startTime", e.start(), "endTime", e.end(), "video_duration", videoSeconds));
            }
        }
        return out;
    }

    /**
     * The effects with their boxes clipped to a {@code width}×{@code height} frame; a box wholly outside it is
     * refused. Unknown frame size (0, media probed before sizes were recorded): the boxes as sent, clamped by the
     * gpu-node when it draws.
     */
    static List<ProSyncTimeline.Effect> fit(List<ProSyncTimeline.Effect> effects, int width, int height) {
        if (width <= 0 || height <= 0) {
            return effects;
        }
        List<ProSyncTimeline.Effect> out = new ArrayList<>();
        for (int i = 0; i < effects.size(); i++) {
            ProSyncTimeline.Effect e = effects.get(i);
            int x0 = Math.max(0, e.x());
            int y0 = Math.max(0, e.y());
            int x1 = Math.min(width, e.x() + e.width());
            int y1 = Math.min(height, e.y() + e.height());
            if (x1 <= x0 || y1 <= y0) {
                throw invalid("Effect box lies wholly outside the video frame", details("effect_index", i, "x", e.x(),
                        "y", e.y(), "width", e.width(), "height", e.height(), "frame_width", width,
                        "frame_height", height));
            }
            out.add(new ProSyncTimeline.Effect(e.type(), e.start(), e.end(), x0, y0, x1 - x0, y1 - y0, e.text(),
                    e.color()));
        }
        return out;
    }

    /** The spec's Effect array, plus {@code text} (required for type text, ≤ 200 chars) and {@code color}. */
    static List<ProSyncTimeline.Effect> effects(String raw) {
        List<ProSyncTimeline.Effect> out = new ArrayList<>();
        if (raw == null || raw.isBlank()) {
            return out;
        }
        JsonNode array = json(raw, "effects");
        if (array == null || !array.isArray()) {
            throw invalid("Field 'effects' must be a JSON array of effects", Map.of("field", "effects"));
        }
        if (array.size() > MAX_EFFECTS) {
            throw invalid("At most " + MAX_EFFECTS + " effects", details("field", "effects", "effects_count", array.size()));
        }
        for (int i = 0; i < array.size(); i++) {
            JsonNode e = array.get(i);
            String type = e.path("type").asText("");
            if (!EFFECT_TYPES.contains(type)) {
                throw invalid("Effect type must be erasure, protection or text", details("effect_index", i, "type", type));
            }
            if (!e.path("startTime").isNumber() || !e.path("endTime").isNumber() || e.get("startTime").asDouble() < 0
                    || e.get("endTime").asDouble() <= e.get("startTime").asDouble()) {
                throw invalid("Effect endTime must be greater than startTime (both seconds, >= 0)", details(
                        "effect_index", i, "startTime", e.path("startTime").asText(), "endTime", e.path("endTime").asText()));
            }
            JsonNode c = e.get("coordinates");
            if (c == null || !c.path("x").isNumber() || !c.path("y").isNumber() || !c.path("width").isNumber()
                    || !c.path("height").isNumber() || Math.abs(c.get("x").asDouble()) > MAX_COORDINATE
                    || Math.abs(c.get("y").asDouble()) > MAX_COORDINATE || c.get("width").asDouble() < 1
                    || c.get("height").asDouble() < 1 || c.get("width").asDouble() > MAX_COORDINATE
                    || c.get("height").asDouble() > MAX_COORDINATE) {
                throw invalid("Effect coordinates need |x|, |y| <= " + MAX_COORDINATE + " and width, height in 1.."
                        + MAX_COORDINATE,
                        details("effect_index", i, "coordinates", c == null ? null : c.toString()));
            }
            String text = e.path("text").asText("");
            if (type.equals("text") && (text.isBlank() || text.length() > MAX_TEXT)) {
                throw invalid("A text effect needs a 'text' of 1.." + MAX_TEXT + " characters",
                        details("effect_index", i, "text_length", text.length()));
            }
            String color = e.path("color").asText("");
            if (!color.isEmpty() && !color.matches("#[0-9a-fA-F]{6}")) {
                throw invalid("Effect color must be #RRGGBB", details("effect_index", i, "color", color));
            }
            out.add(new ProSyncTimeline.Effect(type, e.get("startTime").asDouble(), e.get("endTime").asDouble(),
                    c.get("x").asInt(), c.get("y").asInt(), c.get("width").asInt(), c.get("height").asInt(),
                    type.equals("text") ? text : "", color));
        }
        return out;
    }

    /** 403 past the tier's segment limit. */
    static void checkLimit(int segments, String tier, int limit) {
        if (segments > limit) {
            throw new ApiException(HttpStatus.FORBIDDEN, "SEGMENT_LIMIT_EXCEEDED", "Tier '" + tier + "' allows at most "
                    + limit + " segments per job", details("segments_count", segments, "limit", limit, "tier", tier));
        }
    }

    private static JsonNode json(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            throw invalid("Field '" + field + "' is required", Map.of("field", field));
        }
        try {
            return Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw invalid("Field '" + field + "' is not valid JSON", Map.of("field", field));
        }
    }

    static ApiException invalid(String message, Map<String, Object> details) {
        return new ApiException(HttpStatus.BAD_REQUEST, CODE, message, details == null ? Map.of() : details);
    }

    private static Map<String, Object> details(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
