package io.framegrid.gpunode.reframer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What each stage of a distributed analysis hands to the next, as committed task outputs: a scan per frame range
 * (histogram distances, detections and camera motion of its sampled frames), the tracks over all ranges, the masks
 * of one range's tracked objects. Serialised as gzipped JSON because outputs live in the grid, and masks are bulky.
 */
public final class AnalysisParts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnalysisParts() {
    }

    /** A detection kept after the class mapping and the score threshold. */
    public record Detected(String cls, String label, double confidence, int x, int y, int w, int h) {}

    /** One sampled frame: its detections and the global shift and difference since the previous sample. */
    public record SampleScan(long frame, double dx, double dy, double motion, List<Detected> detections) {}

    /**
     * Frames {@code [from, to)} as scanned; {@code distances.get(i)} is the histogram distance of frame
     * {@code from + i} to its predecessor (0 for frame 0), so ranges concatenate into the whole video's series.
     * {@code to} is where the video really ended when it ended inside the range.
     */
    public record RangeScan(long from, long to, List<Double> distances, List<SampleScan> samples,
            Map<String, Long> timingsMs) {}

    /** A confirmed track matched to a detection in a sampled frame. */
    public record TrackedHit(String trackId, String cls, int x, int y, int w, int h) {}

    public record SampleHits(long frame, List<TrackedHit> hits) {}

    /** One frame of a track: {@code timestamp} in seconds, values rounded as the results show them. */
    public record TrackPoint(long frame, double timestamp, double confidence) {}

    /** A confirmed track over every range, as the results list it. */
    public record TrackSummary(String trackId, String cls, long startFrame, long endFrame, double avgConfidence,
            List<TrackPoint> frames) {}

    /** The tracker's verdict over every range: the tracks in creation order and the hits per sample. */
    public record Tracks(List<TrackSummary> tracking, List<SampleHits> samples, long timingMs) {}

    public record TrackMask(String trackId, String cls, String rle, long area) {}

    /** Masks of the tracked objects of one range's sampled frames, keyed by frame index. */
    public record RangeMasks(long from, long to, Map<String, List<TrackMask>> masks, Map<String, Long> timingsMs) {}

    public static byte[] write(Object part) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            JSON.writeValue(gz, part);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static <T> T read(byte[] data, Class<T> type) {
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return JSON.readValue(gz, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + type.getSimpleName() + " output", e);
        }
    }
}
