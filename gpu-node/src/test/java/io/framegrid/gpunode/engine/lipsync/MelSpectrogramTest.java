package io.framegrid.gpunode.engine.lipsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Checks the features against facts computed here independently of the implementation: where the Slaney mel
 * scale puts a sine's band (band centres from the scale's closed form), the frame count of a centred STFT, the
 * floor of silence, and the window cut per video frame.
 */
class MelSpectrogramTest {
    private final MelSpectrogram mel = new MelSpectrogram();

    private static float[] sine(double hz, double seconds, double amplitude) {
        float[] pcm = new float[(int) (seconds * MelSpectrogram.SAMPLE_RATE)];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / MelSpectrogram.SAMPLE_RATE));
        }
        return pcm;
    }

    /** Centre of band b: the b+1-th of 82 points evenly spaced on Slaney's mel scale between 55 and 7600 Hz. */
    private static double centreHz(int band) {
        // Slaney: 3 mels per 200 Hz below 1 kHz, then 27 mels per factor 6.4.
        double lo = 55 * 3 / 200.0;
        double hi = 15 + 27 * Math.log(7600 / 1000.0) / Math.log(6.4);
        double m = lo + (hi - lo) * (band + 1) / 81.0;
        return m < 15 ? m * 200 / 3 : 1000 * Math.pow(6.4, (m - 15) / 27);
    }

    private static int loudestBand(float[][] s, int frame) {
        int best = 0;
        for (int b = 1; b < s.length; b++) {
            if (s[b][frame] > s[best][frame]) {
                best = b;
            }
        }
        return best;
    }

    @Test
    void aSinesEnergyLandsInTheBandCentredOnItsFrequency() {
        for (double hz : new double[] {300, 1000, 3000, 6000}) {
            float[][] s = mel.of(sine(hz, 1.0, 0.5));
            assertEquals(MelSpectrogram.BANDS, s.length);
            int band = loudestBand(s, s[0].length / 2);
            double spacing = centreHz(band + 1) - centreHz(band - 1);
            assertTrue(Math.abs(centreHz(band) - hz) <= spacing / 2,
                    hz + " Hz peaked in band " + band + " centred on " + centreHz(band) + " Hz");
            // Far bands stay near the floor: the filter bank is local.
            assertTrue(s[Math.floorMod(band + 40, 80)][s[0].length / 2] < s[band][s[0].length / 2] - 2);
        }
    }

    @Test
    void aCentredStftGivesOneFramePerHopPlusOneAndSilenceSitsAtTheFloor() {
        float[][] s = mel.of(new float[16_000]);
        assertEquals(81, s[0].length); // 1 + 16000 / 200: 80 frames a second
        for (float[] band : s) {
            for (float v : band) {
                assertEquals(-4f, v, 0f);
            }
        }
    }

    @Test
    void louderIsHigherAndTheScaleClipsAtFour() {
        float[][] quiet = mel.of(sine(1000, 0.5, 0.01));
        float[][] loud = mel.of(sine(1000, 0.5, 0.5));
        int band = loudestBand(loud, 20);
        // 20·log10(50) ≈ 34 dB louder, i.e. 34 / 100 · 8 ≈ 2.7 normalised units (before any clipping).
        assertEquals(2.72, loud[band][20] - quiet[band][20], 0.1);
        float[][] clipped = mel.of(sine(1000, 0.5, 1e6));
        assertEquals(4f, clipped[band][20], 0f);
    }

    @Test
    void eachVideoFramesWindowStartsAtItsTimeAndStaysInsideTheAudio() {
        float[][] s = new float[MelSpectrogram.BANDS][81];
        for (int t = 0; t < 81; t++) {
            s[0][t] = t;
        }
        // 25 fps: 80 / 25 = 3.2 mel frames per video frame.
        assertEquals(32f, MelSpectrogram.window(s, 10, 25)[0]);
        assertEquals(47f, MelSpectrogram.window(s, 10, 25)[15]);
        // Past the end: the last full window, as Wav2Lip does.
        assertEquals(65f, MelSpectrogram.window(s, 24, 25)[0]);
    }
}
