package io.framegrid.gpunode.engine.text;

import io.framegrid.gpunode.engine.scenes.ShotBoundaries;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Histograms;
import io.framegrid.gpunode.media.DecodedFrame;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Text removal over a decoded frame range (GhostCut): text detected on every {@link Settings#sampleEvery()}-th frame
 * ({@link TextDetector}, batched), shots cut by colour histograms ({@link ShotBoundaries}), boxes stabilised into
 * tracks ({@link TextTracks}) with the user's areas added, masks dilated ({@link TextMasks}) and erased temporal
 * first ({@link TextEraser}). The steps are public too, for a job that spreads them over cluster tasks (detect per
 * range → tracks over the whole video → erase per range).
 *
 * <p>A range is a list of consecutive decoded frames; frames outside {@code [emitFirst, emitLast]} are context
 * (they lend background and detections, and are not returned), so neighbouring ranges should overlap by about
 * {@link TextEraser.Settings#window()} frames. Frames are sampled where {@code index % sampleEvery == 0}, so ranges
 * of one video sample the same frames. Thread-safe (each call works on its own state).
 */
public final class TextRemoval {

    /**
     * @param sampleEvery   detect text on every Nth frame (by frame index)
     * @param autoDetect    false: erase only the user's areas (no detection)
     * @param shotThreshold histogram distance that marks a cut (the reframer's default is 0.35)
     */
    public record Settings(int sampleEvery, boolean autoDetect, double shotThreshold, TextDetector.Settings detector,
            TextTracks.Settings tracks, TextMasks masks, TextEraser.Settings eraser) {
        public Settings {
            if (sampleEvery < 1 || !(shotThreshold > 0)) {
                throw new IllegalArgumentException("bad text removal settings");
            }
        }

        /** Every 5th frame, auto-detect on, and each part's defaults. */
        public static Settings defaults() {
            return new Settings(5, true, 0.35, TextDetector.Settings.defaults(), TextTracks.Settings.defaults(),
                    TextMasks.defaults(), TextEraser.Settings.defaults());
        }

        public Settings withAutoDetect(boolean on) {
            return new Settings(sampleEvery, on, shotThreshold, detector, tracks, masks, eraser);
        }

        public Settings withSampleEvery(int n) {
            return new Settings(n, autoDetect, shotThreshold, detector, tracks, masks, eraser);
        }
    }

    /**
     * A cleaned range.
     *
     * @param frames         the emitted frames in order, with their indices and timestamps
     * @param tracks         the text tracks erased (detected and user areas)
     * @param maskedPixels   pixels erased over the emitted frames
     * @param temporalPixels of those, filled from other frames; the rest were inpainted
     */
    public record Result(List<DecodedFrame> frames, TextTracks tracks, long maskedPixels, long temporalPixels) {
    }

    private final TextDetector detector;
    private final FrameKernels kernels;
    private final Settings settings;

    public TextRemoval(InferenceEngine engine, FrameKernels kernels, Settings settings) {
        this.detector = new TextDetector(engine, settings.detector());
        this.kernels = kernels;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Cleans frames {@code emitFirst..emitLast} (frame indices, inclusive) of {@code frames}. */
    public Result clean(List<DecodedFrame> frames, long emitFirst, long emitLast, List<UserArea> areas) {
        checkRange(frames, emitFirst, emitLast);
        List<int[]> shots = shots(frames);
        List<FrameBoxes> samples = settings.autoDetect() ? detect(frames) : List.of();
        Mat first = frames.get(0).image();
        TextTracks tracks = TextTracks.build(samples, shots, areas, first.cols(), first.rows(), settings.tracks());
        return erase(frames, tracks, shots, emitFirst, emitLast);
    }

    /** Text boxes on the range's sampled frames ({@code index % sampleEvery == 0}), batched through the engine. */
    public List<FrameBoxes> detect(List<DecodedFrame> frames) {
        List<DecodedFrame> sampled = frames.stream().filter(f -> f.index() % settings.sampleEvery() == 0).toList();
        return detector.detect(sampled);
    }

    /** Shots of the range as {@code [first, last]} frame indices (inclusive). */
    public List<int[]> shots(List<DecodedFrame> frames) {
        List<Double> distances = new ArrayList<>(frames.size());
        float[] previous = null;
        for (DecodedFrame f : frames) {
            float[] hist = kernels.histogram(small(f.image()), ShotBoundaries.HISTOGRAM_BINS);
            distances.add(previous == null ? 0.0 : Histograms.distance(previous, hist, ShotBoundaries.HISTOGRAM_BINS));
            previous = hist;
        }
        long offset = frames.get(0).index();
        List<int[]> shots = new ArrayList<>();
        for (int[] s : new ShotBoundaries(settings.shotThreshold()).shots(distances, frames.size())) {
            shots.add(new int[] {(int) (s[0] + offset), (int) (s[1] + offset)});
        }
        return shots;
    }

    /** Erases {@code tracks} from frames {@code emitFirst..emitLast}; {@code shots} as from {@link #shots}. */
    public Result erase(List<DecodedFrame> frames, TextTracks tracks, List<int[]> shots, long emitFirst, long emitLast) {
        checkRange(frames, emitFirst, emitLast);
        long offset = frames.get(0).index();
        int w = frames.get(0).image().cols();
        int h = frames.get(0).image().rows();
        List<Mat> images = new ArrayList<>(frames.size());
        List<List<TextBox>> masks = new ArrayList<>(frames.size());
        int[] shotOf = new int[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            DecodedFrame f = frames.get(i);
            images.add(f.image());
            masks.add(settings.masks().dilate(tracks.boxesAt(f.index()), w, h));
            shotOf[i] = shotNumber(shots, f.index());
        }
        TextEraser.Erased erased = new TextEraser(settings.eraser(), kernels)
                .erase(images, masks, shotOf, (int) (emitFirst - offset), (int) (emitLast - offset));
        List<DecodedFrame> out = new ArrayList<>(erased.frames().size());
        for (int i = 0; i < erased.frames().size(); i++) {
            DecodedFrame src = frames.get((int) (emitFirst - offset) + i);
            out.add(new DecodedFrame(src.index(), src.timestampMicros(), erased.frames().get(i)));
        }
        return new Result(out, tracks, erased.maskedPixels(), erased.temporalPixels());
    }

    // Normalised histograms barely change with scale; a copy at most 320 px wide costs a tenth of a 720p frame.
    private static Mat small(Mat image) {
        if (image.cols() <= 320) {
            return image;
        }
        Mat out = new Mat();
        org.bytedeco.opencv.global.opencv_imgproc.resize(image, out, new org.bytedeco.opencv.opencv_core.Size(320,
                (int) Math.round(image.rows() * 320.0 / image.cols())), 0, 0,
                org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA);
        return out;
    }

    private static int shotNumber(List<int[]> shots, long frame) {
        for (int i = 0; i < shots.size(); i++) {
            if (frame >= shots.get(i)[0] && frame <= shots.get(i)[1]) {
                return i;
            }
        }
        return -1 - (int) Math.min(Integer.MAX_VALUE - 1, frame); // outside every shot: alone
    }

    private static void checkRange(List<DecodedFrame> frames, long emitFirst, long emitLast) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames");
        }
        long first = frames.get(0).index();
        for (int i = 1; i < frames.size(); i++) {
            if (frames.get(i).index() != first + i) {
                throw new IllegalArgumentException("frames must be consecutive (frame " + frames.get(i).index()
                        + " follows " + frames.get(i - 1).index() + ")");
            }
        }
        if (emitFirst < first || emitLast < emitFirst || emitLast > first + frames.size() - 1) {
            throw new IllegalArgumentException("emit range " + emitFirst + ".." + emitLast + " is outside the frames "
                    + first + ".." + (first + frames.size() - 1));
        }
    }
}
