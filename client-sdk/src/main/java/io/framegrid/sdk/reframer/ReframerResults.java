package io.framegrid.sdk.reframer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The results object of {@code GET /results/{job_id}} (spec C, "Get Processing Results"), typed and immutable.
 * Field names follow the spec ({@code class} is {@code className} here); {@link #rawJson()} keeps the document
 * exactly as stored, for fields a later version may add.
 *
 * @param detections         per analysed frame index, in frame order
 * @param segmentationMasks  per analysed frame index, in frame order
 * @param tracking           per track id, in the document's order
 */
public record ReframerResults(String jobId, String status, Metadata metadata,
                              SortedMap<Integer, List<Detection>> detections,
                              SortedMap<Integer, List<SegmentationMask>> segmentationMasks,
                              Map<String, Track> tracking, List<Scene> scenes, String rawJson) {

    public record Metadata(double durationSeconds, int width, int height, double fps, String codec, long totalFrames) {}

    /** {@code label} is the detector's own class name (beyond the spec's person/product {@code class}). */
    public record Detection(String className, double confidence, BoundingBox bbox, String label) {}

    /** Pixels, from the top-left corner. */
    public record BoundingBox(int x, int y, int width, int height) {}

    public record SegmentationMask(String trackId, String className, String maskRle, long maskAreaPixels) {
        /** The mask as one flag per pixel, row-major over the frame ({@link Metadata#width()} × height). */
        public boolean[] decode(int width, int height) {
            return RleMask.decode(maskRle, (long) width * height);
        }
    }

    public record Track(String trackId, String className, int startFrame, int endFrame, int durationFrames,
                        double avgConfidence, List<TrackFrame> frames) {
        public Track {
            frames = List.copyOf(frames);
        }
    }

    /** {@code timestamp} in seconds. */
    public record TrackFrame(int frame, double timestamp, double confidence) {}

    /** {@code importance} from 1 to 10. */
    public record Scene(int sceneNumber, int startFrame, int endFrame, String description, int importance,
                        List<ReplaceableElement> replaceableElements) {
        public Scene {
            replaceableElements = List.copyOf(replaceableElements);
        }
    }

    public record ReplaceableElement(String type, String description, String difficulty) {}

    public ReframerResults {
        detections = Collections.unmodifiableSortedMap(new TreeMap<>(detections));
        segmentationMasks = Collections.unmodifiableSortedMap(new TreeMap<>(segmentationMasks));
        tracking = Collections.unmodifiableMap(new LinkedHashMap<>(tracking));
        scenes = List.copyOf(scenes);
    }

    /** Reads the results JSON; {@link IllegalArgumentException} when it is not JSON or lacks the spec's shape. */
    public static ReframerResults parse(String json) {
        Struct.Builder root = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(json, root);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Reframer results are not a JSON object: " + e.getMessage(), e);
        }
        Map<String, Value> r = root.getFieldsMap();
        Map<String, Value> m = struct(r, "metadata");
        Metadata metadata = new Metadata(number(m, "duration_seconds"), (int) number(m, "width"),
                (int) number(m, "height"), number(m, "fps"), text(m, "codec"), (long) number(m, "total_frames"));

        SortedMap<Integer, List<Detection>> detections = perFrame(struct(r, "detections"), d -> {
            Map<String, Value> box = struct(d, "bbox");
            return new Detection(text(d, "class"), number(d, "confidence"), new BoundingBox((int) number(box, "x"),
                    (int) number(box, "y"), (int) number(box, "width"), (int) number(box, "height")), text(d, "label"));
        });
        SortedMap<Integer, List<SegmentationMask>> masks = perFrame(struct(r, "segmentation_masks"), s ->
                new SegmentationMask(text(s, "track_id"), text(s, "class"), text(s, "mask_rle"),
                        (long) number(s, "mask_area_pixels")));

        Map<String, Track> tracking = new LinkedHashMap<>();
        struct(r, "tracking").forEach((id, value) -> {
            Map<String, Value> t = value.getStructValue().getFieldsMap();
            tracking.put(id, new Track(id, text(t, "class"), (int) number(t, "start_frame"), (int) number(t, "end_frame"),
                    (int) number(t, "duration_frames"), number(t, "avg_confidence"), list(t, "frames", f ->
                            new TrackFrame((int) number(f, "frame"), number(f, "timestamp"), number(f, "confidence")))));
        });

        List<Scene> scenes = list(r, "scenes", s -> new Scene((int) number(s, "scene_number"),
                (int) number(s, "start_frame"), (int) number(s, "end_frame"), text(s, "description"),
                (int) number(s, "importance"), list(s, "replaceable_elements", e ->
                        new ReplaceableElement(text(e, "type"), text(e, "description"), text(e, "difficulty")))));

        return new ReframerResults(text(r, "job_id"), text(r, "status"), metadata, detections, masks, tracking,
                scenes, json);
    }

    // ---- reading the JSON tree ---------------------------------------------------------------------
    // Missing optional fields read as 0 / "" / empty; a field of the wrong JSON type is refused.

    private static Map<String, Value> struct(Map<String, Value> o, String name) {
        Value v = o.get(name);
        if (v == null || v.hasNullValue()) {
            return Map.of();
        }
        if (!v.hasStructValue()) {
            throw new IllegalArgumentException("'" + name + "' must be an object");
        }
        return v.getStructValue().getFieldsMap();
    }

    private static double number(Map<String, Value> o, String name) {
        Value v = o.get(name);
        if (v == null || v.hasNullValue()) {
            return 0;
        }
        if (!v.hasNumberValue()) {
            throw new IllegalArgumentException("'" + name + "' must be a number");
        }
        return v.getNumberValue();
    }

    private static String text(Map<String, Value> o, String name) {
        Value v = o.get(name);
        if (v == null || v.hasNullValue()) {
            return "";
        }
        if (!v.hasStringValue()) {
            throw new IllegalArgumentException("'" + name + "' must be a string");
        }
        return v.getStringValue();
    }

    private static <T> List<T> list(Map<String, Value> o, String name, Function<Map<String, Value>, T> item) {
        Value v = o.get(name);
        if (v == null || v.hasNullValue()) {
            return List.of();
        }
        if (!v.hasListValue()) {
            throw new IllegalArgumentException("'" + name + "' must be an array");
        }
        return items(v.getListValue(), name, item);
    }

    private static <T> List<T> items(ListValue values, String name, Function<Map<String, Value>, T> item) {
        List<T> out = new ArrayList<>(values.getValuesCount());
        for (Value e : values.getValuesList()) {
            if (!e.hasStructValue()) {
                throw new IllegalArgumentException("'" + name + "' must hold objects");
            }
            out.add(item.apply(e.getStructValue().getFieldsMap()));
        }
        return List.copyOf(out);
    }

    private static <T> SortedMap<Integer, List<T>> perFrame(Map<String, Value> frames,
                                                            Function<Map<String, Value>, T> item) {
        SortedMap<Integer, List<T>> out = new TreeMap<>();
        frames.forEach((frame, value) -> {
            int index;
            try {
                index = Integer.parseInt(frame);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("frame key '" + frame + "' is not a frame index");
            }
            if (!value.hasListValue()) {
                throw new IllegalArgumentException("frame " + frame + " must hold an array");
            }
            out.put(index, items(value.getListValue(), "frame " + frame, item));
        });
        return out;
    }
}
