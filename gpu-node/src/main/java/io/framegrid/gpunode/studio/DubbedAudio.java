package io.framegrid.gpunode.studio;

import io.framegrid.gpunode.media.AudioPcm;

/** Pro-sync's audio steps, public for {@code framegrid bench prosync}: loudness matching and crossfaded splicing. */
public final class DubbedAudio {
    /** Crossfade at each cut between the original audio and a crop: short enough to keep the words, no click. */
    public static final double CROSSFADE_SECONDS = 0.02;
    /** Loudness matching never amplifies or attenuates a crop by more than this factor. */
    static final double MAX_GAIN = 4;

    private DubbedAudio() {
    }

    /** Scales {@code crop} in place to the original's RMS level (within {@link #MAX_GAIN}); returns the gain. */
    public static double matchLoudness(short[] crop, short[] original) {
        double a = rms(crop);
        double b = rms(original);
        // A silent original (a still picture's track) or a silent crop gives no level to match.
        if (a < 30 || b < 30) {
            return 1;
        }
        double gain = Math.max(1 / MAX_GAIN, Math.min(MAX_GAIN, b / a));
        for (int i = 0; i < crop.length; i++) {
            crop[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(crop[i] * gain)));
        }
        return gain;
    }

    private static double rms(short[] s) {
        double sum = 0;
        for (short v : s) {
            sum += (double) v * v;
        }
        return s.length == 0 ? 0 : Math.sqrt(sum / s.length);
    }

    /** Writes {@code crop} into {@code base} from sample frame {@code from}, crossfading {@code fade} frames at each cut. */
    public static void splice(AudioPcm base, short[] crop, long from, int fade) {
        int ch = base.channels();
        int n = crop.length / ch;
        int f = Math.min(fade, n / 4);
        short[] out = base.samples();
        for (int i = 0; i < n; i++) {
            long at = (from + i) * ch;
            if (at + ch > out.length) {
                break;
            }
            double w = 1;
            if (i < f) {
                w = (i + 0.5) / f;
            } else if (i >= n - f) {
                w = (n - i - 0.5) / f;
            }
            for (int c = 0; c < ch; c++) {
                int k = (int) at + c;
                out[k] = (short) Math.round(crop[i * ch + c] * w + out[k] * (1 - w));
            }
        }
    }

}
