package io.framegrid.gpunode.media;

import java.util.List;

/** Which frames a decode delivers. */
public sealed interface FrameSampling {

    /** Every frame. */
    static FrameSampling all() {
        return new EveryNth(1);
    }

    /** Frames 0, n, 2n, ... */
    static FrameSampling everyNth(int n) {
        return new EveryNth(n);
    }

    /** The frame shown at each timestamp (microseconds), found by accurate seeking. */
    static FrameSampling atTimestamps(List<Long> micros) {
        return new AtTimestamps(List.copyOf(micros));
    }

    /** Frames {@code [from, to)} by index. */
    static FrameSampling range(long from, long toExclusive) {
        return new Range(from, toExclusive, 1);
    }

    /** Frames {@code from, from + step, ...} below {@code to}. */
    static FrameSampling range(long from, long toExclusive, int step) {
        return new Range(from, toExclusive, step);
    }

    record EveryNth(int n) implements FrameSampling {
        public EveryNth {
            if (n < 1) {
                throw new IllegalArgumentException("n must be >= 1: " + n);
            }
        }
    }

    record AtTimestamps(List<Long> micros) implements FrameSampling {
    }

    record Range(long from, long toExclusive, int step) implements FrameSampling {
        public Range {
            if (from < 0 || toExclusive < from || step < 1) {
                throw new IllegalArgumentException("bad frame range [" + from + ", " + toExclusive + ") step " + step);
            }
        }
    }
}
