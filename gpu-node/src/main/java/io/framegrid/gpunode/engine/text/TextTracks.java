package io.framegrid.gpunode.engine.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Stabilises per-sample text boxes over time. Within each shot, boxes on one text line that touch are merged,
 * each box is snapped outward to a grid, and boxes are linked sample to sample into {@link TextTrack}s (overlap
 * of the smaller box ≥ {@link Settings#linkOverlap()}). A track survives up to {@link Settings#maxMissedSamples()}
 * samples without a detection (the gap is filled), and covers the frames from just after the last sample before
 * its first detection to just before the first sample after its last one — the text may appear or vanish anywhere
 * in between, and a left-over text costs more than erasing a few frames too many. No track crosses a shot
 * boundary. User areas become tracks of their own, over exactly their time range.
 */
public final class TextTracks {

    /**
     * @param snapGrid         boxes grow outward to multiples of this many pixels (1 = off)
     * @param linkOverlap      intersection over the smaller box that links a detection to a track
     * @param maxMissedSamples consecutive samples a track may miss and still continue (0 = none)
     * @param lineGap          boxes on one line (vertical overlap ≥ half the lower one) closer than this many
     *                         box heights are merged into one
     * @param minSamples       detections a track needs to be kept (2: a box seen on one sample only is taken for a
     *                         false detection — on real footage those are mostly people and foliage)
     */
    public record Settings(int snapGrid, double linkOverlap, int maxMissedSamples, double lineGap, int minSamples) {
        public Settings {
            if (snapGrid < 1 || !(linkOverlap > 0 && linkOverlap <= 1) || maxMissedSamples < 0 || lineGap < 0
                    || minSamples < 1) {
                throw new IllegalArgumentException("bad text track settings");
            }
        }

        /**
         * 4 px grid, overlap 0.3, one missed sample (two in a row are taken for a real gap, e.g. between
         * subtitles, whose background the eraser needs), merge across half a line height, 2 detections.
         */
        public static Settings defaults() {
            return new Settings(4, 0.3, 1, 0.5, 2);
        }
    }

    private final List<TextTrack> tracks;

    private TextTracks(List<TextTrack> tracks) {
        this.tracks = List.copyOf(tracks);
    }

    /** No text anywhere. */
    public static TextTracks none() {
        return new TextTracks(List.of());
    }

    /**
     * Tracks from detections on sampled frames.
     *
     * @param samples    boxes per sampled frame (any order; frames without text belong in the list with no boxes —
     *                   they are what ends a track)
     * @param shots      shots as {@code [first, last]} frame indices (inclusive), covering the samples; empty = one shot
     * @param areas      user-marked areas (may be empty)
     * @param frameWidth frame size, for snapping and clipping
     */
    public static TextTracks build(List<FrameBoxes> samples, List<int[]> shots, List<UserArea> areas,
            int frameWidth, int frameHeight, Settings settings) {
        List<FrameBoxes> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingLong(FrameBoxes::frame));
        List<long[]> shotRanges = new ArrayList<>();
        if (shots.isEmpty()) {
            shotRanges.add(new long[] {0, Long.MAX_VALUE});
        } else {
            for (int[] s : shots) {
                shotRanges.add(new long[] {s[0], s[1]});
            }
        }
        List<TextTrack> out = new ArrayList<>();
        for (long[] shot : shotRanges) {
            List<FrameBoxes> inShot = sorted.stream().filter(f -> f.frame() >= shot[0] && f.frame() <= shot[1]).toList();
            if (!inShot.isEmpty()) {
                out.addAll(trackShot(inShot, shot, frameWidth, frameHeight, settings));
            }
        }
        for (UserArea area : areas) {
            TextBox box = area.box().clip(frameWidth, frameHeight);
            if (box.area() > 0) {
                out.add(new TextTrack(area.firstFrame(), area.lastFrame(),
                        List.of(new FrameBoxes(area.firstFrame(), List.of(box))), true));
            }
        }
        return new TextTracks(out);
    }

    private static final class Open {
        final List<FrameBoxes> keys = new ArrayList<>();
        int firstSample;
        int lastSample;
        int missed;
    }

    private static List<TextTrack> trackShot(List<FrameBoxes> samples, long[] shot, int w, int h, Settings s) {
        List<Open> open = new ArrayList<>();
        List<Open> done = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            List<TextBox> boxes = mergeLines(samples.get(i).boxes(), s.lineGap());
            boolean[] used = new boolean[boxes.size()];
            for (Open track : open) {
                TextBox last = track.keys.get(track.keys.size() - 1).boxes().get(0);
                int best = -1;
                double bestOverlap = s.linkOverlap();
                for (int b = 0; b < boxes.size(); b++) {
                    double o = used[b] ? -1 : last.overlapOfSmaller(boxes.get(b));
                    if (o >= bestOverlap) {
                        best = b;
                        bestOverlap = o;
                    }
                }
                if (best >= 0) {
                    used[best] = true;
                    track.keys.add(new FrameBoxes(samples.get(i).frame(), List.of(boxes.get(best).snap(s.snapGrid(), w, h))));
                    track.lastSample = i;
                    track.missed = 0;
                } else {
                    track.missed++;
                }
            }
            for (var it = open.iterator(); it.hasNext();) {
                Open track = it.next();
                if (track.missed > s.maxMissedSamples()) {
                    done.add(track);
                    it.remove();
                }
            }
            for (int b = 0; b < boxes.size(); b++) {
                if (!used[b]) {
                    Open track = new Open();
                    track.keys.add(new FrameBoxes(samples.get(i).frame(), List.of(boxes.get(b).snap(s.snapGrid(), w, h))));
                    track.firstSample = i;
                    track.lastSample = i;
                    open.add(track);
                }
            }
        }
        done.addAll(open);
        List<TextTrack> tracks = new ArrayList<>(done.size());
        for (Open t : done) {
            if (t.keys.size() < s.minSamples()) {
                continue;
            }
            long first = t.firstSample > 0 ? samples.get(t.firstSample - 1).frame() + 1 : shot[0];
            long last = t.lastSample + 1 < samples.size() ? samples.get(t.lastSample + 1).frame() - 1
                    : Math.min(shot[1], samples.get(t.lastSample).frame() + gapAfterLast(samples));
            tracks.add(new TextTrack(Math.max(shot[0], first), Math.max(Math.max(shot[0], first), last),
                    stable(t.keys), false));
        }
        return tracks;
    }

    /**
     * A text that stays put (every keyframe's centre within half a line height of the first's) becomes one box, the
     * union of all its detections: a detector that misses a word on one sample then leaves no text unmasked on the
     * frames around it (and the eraser takes no text for background there).
     */
    private static List<FrameBoxes> stable(List<FrameBoxes> keys) {
        TextBox first = keys.get(0).boxes().get(0);
        TextBox union = first;
        for (FrameBoxes k : keys) {
            TextBox b = k.boxes().get(0);
            double dx = (b.x() + b.width() / 2.0) - (first.x() + first.width() / 2.0);
            double dy = (b.y() + b.height() / 2.0) - (first.y() + first.height() / 2.0);
            double limit = Math.max(4, first.height() / 2.0);
            if (Math.abs(dy) > limit || Math.abs(dx) > Math.max(limit, first.width() / 4.0)) {
                return keys;
            }
            union = union.union(b);
        }
        return List.of(new FrameBoxes(keys.get(0).frame(), List.of(union)));
    }

    // After the shot's last sample nothing says when the text ends; assume it lasts one sampling step more.
    private static long gapAfterLast(List<FrameBoxes> samples) {
        return samples.size() < 2 ? 0 : samples.get(samples.size() - 1).frame() - samples.get(samples.size() - 2).frame() - 1;
    }

    /** Merges boxes that overlap, or sit on one line with a gap under {@code lineGap} box heights. */
    static List<TextBox> mergeLines(List<TextBox> boxes, double lineGap) {
        List<TextBox> merged = new ArrayList<>(boxes);
        boolean changed = true;
        while (changed) {
            changed = false;
            outer:
            for (int a = 0; a < merged.size(); a++) {
                for (int b = a + 1; b < merged.size(); b++) {
                    if (sameLine(merged.get(a), merged.get(b), lineGap)) {
                        merged.set(a, merged.get(a).union(merged.get(b)));
                        merged.remove(b);
                        changed = true;
                        break outer;
                    }
                }
            }
        }
        return merged;
    }

    private static boolean sameLine(TextBox a, TextBox b, double lineGap) {
        if (a.intersection(b) > 0) {
            return true;
        }
        int vOverlap = Math.min(a.bottom(), b.bottom()) - Math.max(a.y(), b.y());
        int lower = Math.min(a.height(), b.height());
        if (lower <= 0 || vOverlap < lower / 2.0) {
            return false;
        }
        int gap = Math.max(a.x(), b.x()) - Math.min(a.right(), b.right());
        return gap <= lineGap * Math.max(a.height(), b.height());
    }

    public List<TextTrack> tracks() {
        return tracks;
    }

    /** Every text box on {@code frame} (detected tracks and user areas covering it). */
    public List<TextBox> boxesAt(long frame) {
        List<TextBox> out = new ArrayList<>();
        for (TextTrack t : tracks) {
            if (t.covers(frame)) {
                out.add(t.boxAt(frame));
            }
        }
        return out;
    }
}
