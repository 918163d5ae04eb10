package io.framegrid.gateway.reframer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.framegrid.proto.reframer.v1.Detection;
import io.framegrid.proto.reframer.v1.FrameDetections;
import io.framegrid.proto.reframer.v1.FrameMasks;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.proto.reframer.v1.ReplaceableElement;
import io.framegrid.proto.reframer.v1.Scene;
import io.framegrid.proto.reframer.v1.SegmentationMask;
import io.framegrid.proto.reframer.v1.Track;
import io.framegrid.proto.reframer.v1.TrackFrame;
import io.framegrid.proto.reframer.v1.VideoMetadata;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Renders {@link ReframerResults} as the spec's results JSON (spec C, "Get Processing Results"): per-frame objects
 * keyed by frame index in frame order, tracks keyed by id, {@code class} for the class name, fields in the spec's
 * order. Written straight to a stream, field by field, so a long video's document is never one string in memory.
 */
final class ReframerResultsJson {
    private final JsonFactory json = new JsonFactory();

    /** Writes {@code results} to {@code out} as UTF-8 JSON; {@code out} stays open. */
    void write(ReframerResults results, OutputStream out) throws IOException {
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("job_id", results.getJobId());
            g.writeStringField("status", results.getStatus());
            metadata(g, results.getMetadata());
            g.writeObjectFieldStart("detections");
            for (FrameDetections frame : results.getDetectionsList()) {
                g.writeArrayFieldStart(Long.toString(frame.getFrame()));
                for (Detection d : frame.getDetectionsList()) {
                    detection(g, d);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("segmentation_masks");
            for (FrameMasks frame : results.getSegmentationMasksList()) {
                g.writeArrayFieldStart(Long.toString(frame.getFrame()));
                for (SegmentationMask m : frame.getMasksList()) {
                    g.writeStartObject();
                    g.writeStringField("track_id", m.getTrackId());
                    g.writeStringField("class", m.getClassName());
                    g.writeStringField("mask_rle", m.getMaskRle());
                    g.writeNumberField("mask_area_pixels", m.getMaskAreaPixels());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("tracking");
            for (Track t : results.getTrackingList()) {
                track(g, t);
            }
            g.writeEndObject();
            g.writeArrayFieldStart("scenes");
            for (Scene s : results.getScenesList()) {
                scene(g, s);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void metadata(JsonGenerator g, VideoMetadata m) throws IOException {
        g.writeObjectFieldStart("metadata");
        g.writeNumberField("duration_seconds", m.getDurationSeconds());
        g.writeNumberField("width", m.getWidth());
        g.writeNumberField("height", m.getHeight());
        g.writeNumberField("fps", m.getFps());
        g.writeStringField("codec", m.getCodec());
        g.writeNumberField("total_frames", m.getTotalFrames());
        g.writeEndObject();
    }

    private static void detection(JsonGenerator g, Detection d) throws IOException {
        g.writeStartObject();
        g.writeStringField("class", d.getClassName());
        g.writeNumberField("confidence", d.getConfidence());
        g.writeObjectFieldStart("bbox");
        g.writeNumberField("x", d.getBbox().getX());
        g.writeNumberField("y", d.getBbox().getY());
        g.writeNumberField("width", d.getBbox().getWidth());
        g.writeNumberField("height", d.getBbox().getHeight());
        g.writeEndObject();
        g.writeStringField("label", d.getLabel());
        g.writeEndObject();
    }

    private static void track(JsonGenerator g, Track t) throws IOException {
        g.writeObjectFieldStart(t.getTrackId());
        g.writeStringField("class", t.getClassName());
        g.writeNumberField("start_frame", t.getStartFrame());
        g.writeNumberField("end_frame", t.getEndFrame());
        g.writeNumberField("duration_frames", t.getDurationFrames());
        g.writeNumberField("avg_confidence", t.getAvgConfidence());
        g.writeArrayFieldStart("frames");
        for (TrackFrame f : t.getFramesList()) {
            g.writeStartObject();
            g.writeNumberField("frame", f.getFrame());
            g.writeNumberField("timestamp", f.getTimestamp());
            g.writeNumberField("confidence", f.getConfidence());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void scene(JsonGenerator g, Scene s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("scene_number", s.getSceneNumber());
        g.writeNumberField("start_frame", s.getStartFrame());
        g.writeNumberField("end_frame", s.getEndFrame());
        g.writeStringField("description", s.getDescription());
        g.writeNumberField("importance", s.getImportance());
        g.writeArrayFieldStart("replaceable_elements");
        for (ReplaceableElement e : s.getReplaceableElementsList()) {
            g.writeStartObject();
            g.writeStringField("type", e.getType());
            g.writeStringField("description", e.getDescription());
            g.writeStringField("difficulty", e.getDifficulty());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
