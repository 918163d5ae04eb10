package io.framegrid.gpunode.studio;

import io.framegrid.gpunode.media.AudioPcm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Audio checks of a pro-sync result, shared by the gateway's run test and the launcher's failover test (this
 * module's test-jar): a two-tone track to dub over, audio decoded to 16 kHz mono, and the best normalised
 * cross-correlation of two stretches (small lags allowed: AAC's priming shifts a track by some milliseconds).
 */
public final class DubbedClip {
    private DubbedClip() {
    }

    /** A mono 16-bit WAV of two tones (440 and 97 Hz, so it is not periodic at the lags {@link #ncc} searches). */
    public static void writeTone(Path file, double seconds, int rate) throws Exception {
        int n = (int) (seconds * rate);
        ByteBuffer b = ByteBuffer.allocate(44 + n * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + n * 2).put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(n * 2);
        for (int i = 0; i < n; i++) {
            double t = i / (double) rate;
            b.putShort((short) Math.round(6000 * (Math.sin(2 * Math.PI * 440 * t) + 0.6 * Math.sin(2 * Math.PI * 97 * t))));
        }
        Files.write(file, b.array());
    }

    /** The file's audio at 16 kHz mono. */
    public static float[] mono16k(Path file) {
        AudioPcm pcm = AudioPcm.decode(file, 16_000, 1);
        float[] out = new float[pcm.samples().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = pcm.samples()[i];
        }
        return out;
    }

    /** Best normalised cross-correlation of {@code len} s of a from {@code aAt} with b from {@code bAt}, ±40 ms lag. */
    public static double ncc(float[] a, double aAt, float[] b, double bAt, double len) {
        int n = (int) (len * 16_000);
        int a0 = (int) (aAt * 16_000);
        int b0 = (int) (bAt * 16_000);
        double best = -1;
        for (int lag = -640; lag <= 640; lag += 1) {
            int s = a0 + lag;
            if (s < 0 || s + n > a.length || b0 + n > b.length) {
                continue;
            }
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int i = 0; i < n; i++) {
                double x = a[s + i];
                double y = b[b0 + i];
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            best = Math.max(best, ab / Math.sqrt(aa * bb + 1e-9));
        }
        return best;
    }
}
