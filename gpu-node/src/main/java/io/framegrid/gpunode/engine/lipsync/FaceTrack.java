package io.framegrid.gpunode.engine.lipsync;

import io.framegrid.gpunode.engine.tracking.ByteTracker;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * The speaker's face through one segment: faces found by the node's face detector in every frame, followed with
 * {@link ByteTracker}, and the longest track kept (a segment dubs one speaker; between tracks as long, the
 * largest face: the speaker is in front, and cascades fire on smaller face-like patches too). Its boxes are averaged over
 * {@link #SMOOTHING} neighbouring frames, as Wav2Lip smooths its detector's boxes, so the pasted mouth does not
 * jitter with the detector. Frames the track has no detection in get no box (they are left untouched).
 */
final class FaceTrack {
    /** Frames averaged around each box (Wav2Lip's {@code get_smoothened_boxes} uses 5). */
    static final int SMOOTHING = 5;
    /** Haar confidences are neighbours / 10: 0.3 is the cascade's own minimum of 3 neighbours. */
    private static final float DETECT_THRESHOLD = 0.3f;
    /** Frames detected per detector call. */
    private static final int DETECT_BATCH = 8;

    private FaceTrack() {
    }

    /** Per frame, the face box in frame pixels, or null. */
    static Rect[] boxes(Detector faces, List<Mat> frames) {
        // Every detection the cascade keeps may start a track (ByteTracker starts them 0.1 above its high
        // threshold): a steady face at the cascade's 4 neighbours (0.4) must not lose a whole segment's lip-sync.
        ByteTracker tracker = new ByteTracker(DETECT_THRESHOLD - 0.1, Math.max(5, frames.size()));
        for (int start = 0; start < frames.size(); start += DETECT_BATCH) {
            List<Mat> batch = frames.subList(start, Math.min(frames.size(), start + DETECT_BATCH));
            List<List<Detection>> found = faces.detect(batch, DETECT_THRESHOLD);
            for (int i = 0; i < found.size(); i++) {
                List<ByteTracker.Box> boxes = new ArrayList<>();
                for (Detection d : found.get(i)) {
                    boxes.add(new ByteTracker.Box("face", d.confidence(), d.x(), d.y(), d.width(), d.height(), d));
                }
                tracker.update(start + i, boxes);
            }
        }
        Rect[] out = new Rect[frames.size()];
        ByteTracker.Track speaker = tracker.tracks().stream()
                .max(Comparator.comparingInt((ByteTracker.Track t) -> t.frames().size())
                        .thenComparingDouble(FaceTrack::meanArea))
                .orElse(null);
        if (speaker == null) {
            return out;
        }
        double[][] raw = new double[frames.size()][];
        for (int i = 0; i < speaker.frames().size(); i++) {
            ByteTracker.Box b = speaker.boxes().get(i);
            raw[speaker.frames().get(i).intValue()] = new double[] {b.x(), b.y(), b.w(), b.h()};
        }
        for (int f = 0; f < raw.length; f++) {
            if (raw[f] == null) {
                continue;
            }
            double[] sum = new double[4];
            int n = 0;
            for (int g = Math.max(0, f - SMOOTHING / 2); g <= Math.min(raw.length - 1, f + SMOOTHING / 2); g++) {
                if (raw[g] != null) {
                    for (int k = 0; k < 4; k++) {
                        sum[k] += raw[g][k];
                    }
                    n++;
                }
            }
            out[f] = new Rect((int) Math.round(sum[0] / n), (int) Math.round(sum[1] / n),
                    (int) Math.round(sum[2] / n), (int) Math.round(sum[3] / n));
        }
        return out;
    }

    private static double meanArea(ByteTracker.Track t) {
        return t.boxes().stream().mapToDouble(b -> b.w() * b.h()).average().orElse(0);
    }
}
