package io.framegrid.gpunode.engine.lipsync;

/**
 * Wav2Lip's audio features ({@code audio.melspectrogram} of the reference code with its {@code hparams}): 16 kHz
 * mono, pre-emphasis 0.97, a centred STFT (reflect padding, periodic Hann window of 800, n_fft 800, hop 200, i.e.
 * 80 frames per second), magnitude, an 80-band Slaney mel filter bank (librosa's default: Slaney scale and area
 * normalisation) from 55 to 7600 Hz, decibels ({@code 20·log10(max(1e-5, x)) − 20}) and the symmetric
 * normalisation to [−4, 4] ({@code min_level_db} −100). A model trained on these features only works on exactly
 * these, which is why every constant is Wav2Lip's.
 */
public final class MelSpectrogram {
    public static final int SAMPLE_RATE = 16_000;
    public static final int N_FFT = 800;
    public static final int HOP = 200;
    public static final int BANDS = 80;
    /** Mel frames per video frame's window (0.2 s of audio). */
    public static final int WINDOW = 16;
    static final double FMIN = 55;
    static final double FMAX = 7600;
    private static final double PREEMPHASIS = 0.97;
    private static final double REF_LEVEL_DB = 20;
    private static final double MIN_LEVEL_DB = -100;
    private static final double MAX_ABS = 4;

    private static final int BINS = N_FFT / 2 + 1;
    private final double[] window = new double[N_FFT];
    private final double[] cos = new double[N_FFT];
    private final double[] sin = new double[N_FFT];
    /** Per band: the first FFT bin with a non-zero weight and the weights from there. */
    private final int[] firstBin = new int[BANDS];
    private final double[][] weights = new double[BANDS][];

    public MelSpectrogram() {
        for (int n = 0; n < N_FFT; n++) {
            window[n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / N_FFT); // periodic Hann (scipy fftbins=True)
            cos[n] = Math.cos(2 * Math.PI * n / N_FFT);
            sin[n] = Math.sin(2 * Math.PI * n / N_FFT);
        }
        double[] melF = new double[BANDS + 2];
        double lo = hzToMel(FMIN);
        double hi = hzToMel(FMAX);
        for (int i = 0; i < melF.length; i++) {
            melF[i] = melToHz(lo + (hi - lo) * i / (BANDS + 1));
        }
        for (int b = 0; b < BANDS; b++) {
            double enorm = 2.0 / (melF[b + 2] - melF[b]);
            double[] w = new double[BINS];
            int first = -1;
            int last = -1;
            for (int k = 0; k < BINS; k++) {
                double f = (double) k * SAMPLE_RATE / N_FFT;
                double lower = (f - melF[b]) / (melF[b + 1] - melF[b]);
                double upper = (melF[b + 2] - f) / (melF[b + 2] - melF[b + 1]);
                w[k] = Math.max(0, Math.min(lower, upper)) * enorm;
                if (w[k] > 0) {
                    first = first < 0 ? k : first;
                    last = k;
                }
            }
            firstBin[b] = Math.max(0, first);
            weights[b] = first < 0 ? new double[0] : java.util.Arrays.copyOfRange(w, first, last + 1);
        }
    }

    /** Slaney's mel scale (librosa {@code htk=False}): linear below 1 kHz, logarithmic above. */
    static double hzToMel(double hz) {
        return hz < 1000 ? hz / (200.0 / 3) : 15 + Math.log(hz / 1000) / (Math.log(6.4) / 27);
    }

    static double melToHz(double mel) {
        return mel < 15 ? mel * (200.0 / 3) : 1000 * Math.exp((Math.log(6.4) / 27) * (mel - 15));
    }

    /** The normalised spectrogram, {@code [BANDS][frames]} with {@code frames = 1 + samples / HOP}. */
    public float[][] of(float[] pcm16k) {
        int n = pcm16k.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = pcm16k[i] - (i > 0 ? PREEMPHASIS * pcm16k[i - 1] : 0);
        }
        int frames = 1 + n / HOP;
        float[][] mel = new float[BANDS][frames];
        double[] frame = new double[N_FFT];
        double[] magnitude = new double[BINS];
        int pad = N_FFT / 2;
        for (int t = 0; t < frames; t++) {
            for (int j = 0; j < N_FFT; j++) {
                frame[j] = reflect(y, t * HOP + j - pad) * window[j];
            }
            // A plain DFT with a twiddle table: 800 is no power of two, and 80 frames a second cost ~26 M
            // multiply-adds per second of audio, small next to the model.
            for (int k = 0; k < BINS; k++) {
                double re = 0;
                double im = 0;
                int idx = 0;
                for (int j = 0; j < N_FFT; j++) {
                    re += frame[j] * cos[idx];
                    im -= frame[j] * sin[idx];
                    idx += k;
                    if (idx >= N_FFT) {
                        idx -= N_FFT;
                    }
                }
                magnitude[k] = Math.sqrt(re * re + im * im);
            }
            for (int b = 0; b < BANDS; b++) {
                double s = 0;
                double[] w = weights[b];
                for (int i = 0; i < w.length; i++) {
                    s += w[i] * magnitude[firstBin[b] + i];
                }
                double db = 20 * Math.log10(Math.max(1e-5, s)) - REF_LEVEL_DB;
                double norm = 2 * MAX_ABS * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS;
                mel[b][t] = (float) Math.max(-MAX_ABS, Math.min(MAX_ABS, norm));
            }
        }
        return mel;
    }

    /** numpy's {@code reflect} padding (the edge sample is not repeated); silence for a signal too short. */
    private static double reflect(double[] y, int i) {
        int n = y.length;
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            return y[0];
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return y[m < n ? m : period - m];
    }

    /**
     * The {@code [BANDS][WINDOW]} window of video frame {@code frame}, flattened band-major, as Wav2Lip's inference
     * cuts it: starting at mel frame {@code (int) (frame · 80 / fps)}, or the last full window past the end.
     */
    public static float[] window(float[][] mel, int frame, double fps) {
        int total = mel[0].length;
        int start = (int) (frame * (SAMPLE_RATE / (double) HOP) / fps);
        if (start + WINDOW > total) {
            start = Math.max(0, total - WINDOW);
        }
        float[] out = new float[BANDS * WINDOW];
        for (int b = 0; b < BANDS; b++) {
            for (int j = 0; j < WINDOW; j++) {
                int t = start + j;
                // A segment shorter than one window (0.2 s): silence past its end.
                out[b * WINDOW + j] = t < total ? mel[b][t] : (float) -MAX_ABS;
            }
        }
        return out;
    }
}
