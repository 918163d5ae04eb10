package io.framegrid.gpunode.engine.lipsync;

import ai.djl.ndarray.types.Shape;
import ai.djl.util.PairList;

/**
 * The Wav2Lip contract a lip-sync model must meet, checked on load: two float inputs, a mel window
 * {@code [N,1,80,16]} and a face {@code [N,6,96,96]} (channels 0–2 the BGR crop with its lower half zeroed, 3–5
 * the unmasked reference crop, values 0–1), and a first output {@code [N,3,96,96]} (the regenerated BGR crop,
 * 0–1). Inputs are told apart by shape, not by name: public exports name them {@code mel}/{@code vid},
 * {@code mel_spectrogram}/{@code video_frames}, {@code audio_sequences}/{@code face_sequences}, ...
 *
 * @param melInput   the mel input's name
 * @param faceInput  the face input's name
 * @param melFirst   whether the model lists the mel input first (DJL feeds inputs in the model's order)
 * @param fixedBatch the batch size the model fixes, or 0 when its batch dimension is dynamic
 */
record LipSyncContract(String melInput, String faceInput, boolean melFirst, int fixedBatch) {
    static final int CROP = 96;

    /** The contract read from a model's declared inputs and outputs; {@link IllegalArgumentException} if unmet. */
    static LipSyncContract of(PairList<String, Shape> inputs, PairList<String, Shape> outputs) {
        if (inputs.size() != 2) {
            throw new IllegalArgumentException("a lip-sync model takes 2 inputs (mel window, face crops), this one "
                    + inputs.size() + ": " + describe(inputs));
        }
        int mel = -1;
        int face = -1;
        for (int i = 0; i < 2; i++) {
            Shape s = inputs.get(i).getValue();
            if (matches(s, 1, MelSpectrogram.BANDS, MelSpectrogram.WINDOW)) {
                mel = i;
            } else if (matches(s, 6, CROP, CROP)) {
                face = i;
            }
        }
        if (mel < 0 || face < 0) {
            throw new IllegalArgumentException("expected inputs [N,1,80,16] (mel) and [N,6,96,96] (face), got "
                    + describe(inputs));
        }
        // Exports may leave output dimensions symbolic (-1): the load's test run checks the real shape.
        if (outputs.size() < 1 || !fits(outputs.get(0).getValue(), 3, CROP, CROP)) {
            throw new IllegalArgumentException("expected a first output [N,3,96,96], got " + describe(outputs));
        }
        long melBatch = inputs.get(mel).getValue().get(0);
        long faceBatch = inputs.get(face).getValue().get(0);
        if (melBatch > 0 && faceBatch > 0 && melBatch != faceBatch) {
            throw new IllegalArgumentException("the inputs fix different batch sizes: " + describe(inputs));
        }
        long fixed = Math.max(melBatch, faceBatch);
        return new LipSyncContract(inputs.get(mel).getKey(), inputs.get(face).getKey(), mel < face,
                fixed > 0 ? (int) fixed : 0);
    }

    private static boolean matches(Shape s, long c, long h, long w) {
        return s != null && s.dimension() == 4 && s.get(1) == c && s.get(2) == h && s.get(3) == w;
    }

    private static boolean fits(Shape s, long c, long h, long w) {
        return s != null && s.dimension() == 4 && fits(s.get(1), c) && fits(s.get(2), h) && fits(s.get(3), w);
    }

    private static boolean fits(long declared, long wanted) {
        return declared == wanted || declared < 0;
    }

    private static String describe(PairList<String, Shape> list) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(list.get(i).getKey()).append(' ').append(list.get(i).getValue());
        }
        return b.toString();
    }
}
