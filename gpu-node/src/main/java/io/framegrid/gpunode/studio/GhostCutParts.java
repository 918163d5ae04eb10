package io.framegrid.gpunode.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.gpunode.engine.text.FrameBoxes;
import io.framegrid.gpunode.engine.text.TextBox;
import io.framegrid.gpunode.engine.text.UserArea;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What GhostCut's tasks hand each other (JSON in the committed task outputs), and the spec's annotation array read
 * into {@link UserArea}s.
 */
final class GhostCutParts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GhostCutParts() {
    }

    /**
     * One detect range: frames {@code [from, to)}, its shots (clipped to the range), whether a cut falls exactly on
     * {@code from} (else its first shot continues the previous range's last), and the text boxes of its samples.
     */
    record RangeText(long from, long to, int width, int height, boolean cutAtStart, List<long[]> shots,
            List<Sample> samples) {
    }

    record Sample(long frame, List<int[]> boxes) {
    }

    /** One erase range: the media id of its cleaned frames (a {@link SegmentFrames} blob) and how many. */
    record Segment(String mediaId, long from, long frames, long maskedPixels) {
    }

    static byte[] write(Object part) {
        try {
            return JSON.writeValueAsBytes(part);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(byte[] data, Class<T> type) {
        try {
            return JSON.readValue(data, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Sample> samples(List<FrameBoxes> found) {
        List<Sample> out = new ArrayList<>();
        for (FrameBoxes f : found) {
            out.add(new Sample(f.frame(), f.boxes().stream()
                    .map(b -> new int[] {b.x(), b.y(), b.width(), b.height()}).toList()));
        }
        return out;
    }

    /** Every range's samples as frame boxes, in frame order. */
    static List<FrameBoxes> frameBoxes(List<RangeText> ranges) {
        List<FrameBoxes> out = new ArrayList<>();
        for (RangeText r : ranges) {
            for (Sample s : r.samples()) {
                out.add(new FrameBoxes(s.frame(), s.boxes().stream()
                        .map(b -> new TextBox(b[0], b[1], b[2], b[3])).toList()));
            }
        }
        out.sort(Comparator.comparingLong(FrameBoxes::frame));
        return out;
    }

    /**
     * The whole video's shots: each range's, the first shot of a range joined to the previous range's last unless
     * a cut falls on the range's first frame — the same shots one pass over the video finds.
     */
    static List<int[]> shots(List<RangeText> ranges) {
        List<int[]> out = new ArrayList<>();
        for (RangeText r : ranges.stream().sorted(Comparator.comparingLong(RangeText::from)).toList()) {
            for (int i = 0; i < r.shots().size(); i++) {
                long[] s = r.shots().get(i);
                if (i == 0 && !r.cutAtStart() && !out.isEmpty() && out.get(out.size() - 1)[1] == s[0] - 1) {
                    out.get(out.size() - 1)[1] = (int) s[1];
                } else {
                    out.add(new int[] {(int) s[0], (int) s[1]});
                }
            }
        }
        return out;
    }

    /**
     * The spec's annotations ({@code [{start_time, end_time, bbox: {x, y, width, height}, type}]}, checked by the
     * gateway) as areas at {@code fps}, clipped to the frame; an unknown type is an {@link IllegalArgumentException}.
     */
    static List<UserArea> areas(String json, double fps, int width, int height) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        JsonNode array;
        try {
            array = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("annotations are not a JSON array", e);
        }
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("annotations are not a JSON array");
        }
        List<UserArea> out = new ArrayList<>();
        for (JsonNode a : array) {
            JsonNode b = a.path("bbox");
            int x = (int) Math.floor(b.path("x").asDouble());
            int y = (int) Math.floor(b.path("y").asDouble());
            int right = (int) Math.ceil(b.path("x").asDouble() + b.path("width").asDouble());
            int bottom = (int) Math.ceil(b.path("y").asDouble() + b.path("height").asDouble());
            TextBox box = new TextBox(x, y, Math.max(0, right - x), Math.max(0, bottom - y)).clip(width, height);
            if (box.area() == 0) {
                continue; // entirely outside the frame: nothing there to erase
            }
            out.add(UserArea.ofSeconds(a.path("start_time").asDouble(), a.path("end_time").asDouble(), box,
                    UserArea.Kind.ofSpec(a.path("type").asText("erasure")), fps));
        }
        return out;
    }
}
