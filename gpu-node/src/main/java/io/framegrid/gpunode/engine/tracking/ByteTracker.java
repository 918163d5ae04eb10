package io.framegrid.gpunode.engine.tracking;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ByteTrack (Zhang et al. 2022): detections split by score; high ones are associated with every live track
 * (tracked and recently lost) by IoU on Kalman-predicted boxes, then low ones rescue the tracks still unmatched,
 * so occluded objects keep their id instead of being dropped with their weak detections. New tracks need a
 * second hit to be confirmed; lost tracks survive {@code trackBuffer} steps. Objects of different classes never
 * match. Association is an optimal assignment on 1 − IoU with the reference's gates ({@link Assignment}). Ids are given at confirmation, so they are dense: obj_001, obj_002, ...
 */
public final class ByteTracker {
    private final double highThreshold;
    private final double newTrackThreshold;
    private final double firstMatchIou;
    private final double secondMatchIou;
    private final int trackBuffer;
    private final List<Track> tracked = new ArrayList<>();
    private final List<Track> lost = new ArrayList<>();
    private final List<Track> confirmed = new ArrayList<>();
    private int step;
    private int nextId = 1;

    /**
     * @param highThreshold detections at or above are "high"; below (but above the detector threshold) "low"
     * @param trackBuffer   analysed frames a lost track may stay unmatched before it ends
     */
    public ByteTracker(double highThreshold, int trackBuffer) {
        this.highThreshold = highThreshold;
        this.newTrackThreshold = highThreshold + 0.1;
        this.firstMatchIou = 0.2;
        this.secondMatchIou = 0.5;
        this.trackBuffer = trackBuffer;
    }

    /** A detection offered to the tracker. */
    public record Box(String cls, double confidence, double x, double y, double w, double h, Object source) {}

    /** One analysed frame's association: a confirmed track per matched detection. */
    public record Hit(Track track, Box box) {}

    /** Feeds the detections of the next analysed frame; returns the hits of confirmed tracks in that frame. */
    public List<Hit> update(long frame, List<Box> detections) {
        step++;
        List<Box> high = new ArrayList<>();
        List<Box> low = new ArrayList<>();
        for (Box b : detections) {
            (b.confidence() >= highThreshold ? high : low).add(b);
        }
        List<Track> active = tracked.stream().filter(t -> t.confirmed).toList();
        List<Track> unconfirmed = tracked.stream().filter(t -> !t.confirmed).toList();
        List<Track> pool = new ArrayList<>(active);
        pool.addAll(lost);
        pool.forEach(t -> t.kalman.predict());
        unconfirmed.forEach(t -> t.kalman.predict());

        List<Hit> hits = new ArrayList<>();
        // 1. High-score detections against tracked + lost tracks.
        List<Track> poolLeft = new ArrayList<>(pool);
        List<Box> highLeft = new ArrayList<>(high);
        associate(poolLeft, highLeft, firstMatchIou, frame, hits);
        // 2. Low-score detections rescue the still-unmatched tracks that were tracked last step (not the lost ones).
        List<Track> trackedLeft = new ArrayList<>(poolLeft.stream().filter(t -> !t.isLost).toList());
        associate(trackedLeft, new ArrayList<>(low), secondMatchIou, frame, hits);
        // 3. Unconfirmed tracks get one chance on the remaining high detections.
        List<Track> unconfirmedLeft = new ArrayList<>(unconfirmed);
        associate(unconfirmedLeft, highLeft, 0.3, frame, hits);

        for (Track t : trackedLeft) {
            t.isLost = true;
        }
        tracked.removeIf(t -> unconfirmedLeft.contains(t) || t.isLost);
        for (Track t : poolLeft) {
            if (t.isLost && !lost.contains(t)) {
                lost.add(t);
            }
        }
        for (Hit h : hits) {
            Track t = h.track();
            lost.remove(t);
            t.isLost = false;
            if (!tracked.contains(t)) {
                tracked.add(t);
            }
            if (!t.confirmed) {
                t.confirmed = true;
                t.id = String.format("obj_%03d", nextId++);
                confirmed.add(t);
            }
        }
        // New tracks from confident leftovers; the very first frame confirms at once, as in the reference.
        for (Box b : highLeft) {
            if (b.confidence() >= newTrackThreshold) {
                Track t = new Track(b, frame, step);
                if (step == 1) {
                    t.confirmed = true;
                    t.id = String.format("obj_%03d", nextId++);
                    confirmed.add(t);
                    hits.add(new Hit(t, b));
                    t.hit(frame, b, step);
                }
                tracked.add(t);
            }
        }
        lost.removeIf(t -> step - t.lastStep > trackBuffer);
        hits.sort(Comparator.comparing(h -> h.track().id));
        return hits;
    }

    /** Every confirmed track, in id order. */
    public List<Track> tracks() {
        return List.copyOf(confirmed);
    }

    /** Optimal one-to-one matching by IoU (gated at {@code minIou}); matched tracks and boxes leave the lists. */
    private void associate(List<Track> tracks, List<Box> boxes, double minIou, long frame, List<Hit> hits) {
        if (tracks.isEmpty() || boxes.isEmpty()) {
            return;
        }
        double[][] cost = new double[tracks.size()][boxes.size()];
        for (int i = 0; i < tracks.size(); i++) {
            Track t = tracks.get(i);
            double[] p = t.kalman.box();
            for (int j = 0; j < boxes.size(); j++) {
                Box b = boxes.get(j);
                double iou = b.cls().equals(t.cls) ? iou(p, b) : 0;
                cost[i][j] = iou >= minIou ? 1 - iou : Double.POSITIVE_INFINITY;
            }
        }
        int[] match = Assignment.solve(cost, 1 - minIou + 1e-9);
        List<Track> matchedTracks = new ArrayList<>();
        List<Box> matchedBoxes = new ArrayList<>();
        for (int i = 0; i < match.length; i++) {
            if (match[i] >= 0) {
                Track t = tracks.get(i);
                Box b = boxes.get(match[i]);
                t.hit(frame, b, step);
                hits.add(new Hit(t, b));
                matchedTracks.add(t);
                matchedBoxes.add(b);
            }
        }
        // By identity: two detections may be equal records.
        tracks.removeIf(t -> matchedTracks.stream().anyMatch(m -> m == t));
        boxes.removeIf(b -> matchedBoxes.stream().anyMatch(m -> m == b));
    }

    static double iou(double[] a, Box b) {
        double ix = Math.max(0, Math.min(a[0] + a[2], b.x() + b.w()) - Math.max(a[0], b.x()));
        double iy = Math.max(0, Math.min(a[1] + a[3], b.y() + b.h()) - Math.max(a[1], b.y()));
        double inter = ix * iy;
        double union = a[2] * a[3] + b.w() * b.h() - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /** One object followed over time. */
    public static final class Track {
        private final KalmanBoxFilter kalman;
        final String cls;
        private String id;
        private boolean confirmed;
        private boolean isLost;
        private int lastStep;
        private final List<Long> frames = new ArrayList<>();
        private final List<Double> confidences = new ArrayList<>();
        private final List<Box> boxes = new ArrayList<>();

        Track(Box first, long frame, int step) {
            this.kalman = new KalmanBoxFilter(KalmanBoxFilter.measurement(first.x(), first.y(), first.w(), first.h()));
            this.cls = first.cls();
            this.lastStep = step;
            frames.add(frame);
            confidences.add(first.confidence());
            boxes.add(first);
        }

        void hit(long frame, Box b, int step) {
            if (!frames.isEmpty() && frames.get(frames.size() - 1) == frame) {
                return;
            }
            kalman.update(KalmanBoxFilter.measurement(b.x(), b.y(), b.w(), b.h()));
            lastStep = step;
            frames.add(frame);
            confidences.add(b.confidence());
            boxes.add(b);
        }

        public String id() {
            return id;
        }

        public String cls() {
            return cls;
        }

        /** Frames where a detection was associated, ascending. */
        public List<Long> frames() {
            return frames;
        }

        public List<Double> confidences() {
            return confidences;
        }

        public List<Box> boxes() {
            return boxes;
        }

        public double averageConfidence() {
            return confidences.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }
    }
}
