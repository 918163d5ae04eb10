package io.framegrid.proto.annotation;

import io.framegrid.proto.annotation.v1.ButtonSample;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.VideoSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Product A's one clock, applied to every view: the <b>data clock</b> is the uploaded CSV telemetry's own time (ms;
 * never shifted). A video file position {@code f} (ms, what a player shows) plays at
 * {@code anchor(f) + video_offset} on it, where {@code anchor(f) = timestamp + (f - start)} inside a segment
 * anchored by {@code add_video_timestamp} and {@code f} elsewhere. A button sample at raw time {@code b} is at
 * {@code b + button_offset}; untimed button states (a TXT upload) have raw times spread evenly over the video,
 * state {@code i} of {@code n} at {@code round(i * duration_ms / n)}. Offsets are the sums of every shift
 * (kept in µs, rounded to ms here); the stored data is never rewritten.
 */
public final class Timeline {
    private final Sync sync;

    public Timeline(Sync sync) {
        this.sync = sync;
    }

    public long videoOffsetMs() {
        return Math.round(sync.getVideoOffsetUs() / 1000.0);
    }

    public long buttonOffsetMs() {
        return Math.round(sync.getButtonOffsetUs() / 1000.0);
    }

    /** The data-clock time at which file position {@code fileMs} plays. */
    public long dataTime(long fileMs) {
        long anchored = fileMs;
        for (VideoSegment s : sync.getSegmentsList()) {
            if (fileMs >= s.getStartMs() && fileMs < s.getEndMs()) {
                anchored = s.getTimestampMs() + (fileMs - s.getStartMs());
                break;
            }
        }
        return anchored + videoOffsetMs();
    }

    /**
     * The file position that plays at data-clock time {@code dataMs}: a segment's when one covers it, else the
     * un-anchored position when that lies in the file and no segment claims it; empty when the video does not show
     * that moment.
     */
    public OptionalLong fileTime(long dataMs) {
        long u = dataMs - videoOffsetMs();
        for (VideoSegment s : sync.getSegmentsList()) {
            if (u >= s.getTimestampMs() && u < s.getTimestampMs() + (s.getEndMs() - s.getStartMs())) {
                return OptionalLong.of(s.getStartMs() + (u - s.getTimestampMs()));
            }
        }
        if (u < 0 || sync.getDurationMs() > 0 && u > sync.getDurationMs()) {
            return OptionalLong.empty();
        }
        for (VideoSegment s : sync.getSegmentsList()) {
            if (u >= s.getStartMs() && u < s.getEndMs()) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(u);
    }

    /** The button series on the data clock, oldest first: timed samples if uploaded, else the spread TXT states. */
    public List<ButtonSample> buttons() {
        long offset = buttonOffsetMs();
        List<ButtonSample> out = new ArrayList<>();
        if (sync.getButtonsCount() > 0) {
            for (ButtonSample b : sync.getButtonsList()) {
                out.add(b.toBuilder().setTimestampMs(b.getTimestampMs() + offset).build());
            }
            return out;
        }
        int n = sync.getButtonStatesCount();
        for (int i = 0; i < n; i++) {
            out.add(ButtonSample.newBuilder().setTimestampMs(spread(i, n, sync.getDurationMs()) + offset)
                    .setState(sync.getButtonStates(i)).build());
        }
        return out;
    }

    /** Whether the button series carries its own timestamps (else they are spread over the video). */
    public boolean buttonsTimed() {
        return sync.getButtonsCount() > 0;
    }

    /** Raw time of untimed state {@code i} of {@code n} over a video of {@code durationMs}. */
    public static long spread(int i, int n, long durationMs) {
        return n == 0 ? 0 : Math.round((double) i * durationMs / n);
    }

    public Sync sync() {
        return sync;
    }
}
