package io.framegrid.gpunode.engine.text;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.DetectionResult;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.media.DecodedFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Text boxes on video frames with the PaddleOCR DB detector ({@value #MODEL_ID}) through the node's
 * {@link InferenceEngine}: all frames of a call are submitted at once, so the model's dynamic batcher runs them
 * in batches (the DB model has a batch dimension). Frames are scaled so their longer side is
 * {@link Settings#detectSide()} — small frames up (DB misses text under ~10 px high), large ones down (cost).
 * Thread-safe.
 */
public final class TextDetector {

    /** The model id in the node's registry. */
    public static final String MODEL_ID = "paddleocr-db-text";
    // The batcher's queue is bounded (256 by default); a range's samples go in windows below that.
    private static final int IN_FLIGHT = 64;

    /**
     * @param detectSide longer side, in pixels, of the image the detector sees
     * @param threshold  minimum box score (mean text probability inside the box)
     */
    public record Settings(int detectSide, float threshold) {
        public Settings {
            if (detectSide < 64 || !(threshold > 0 && threshold < 1)) {
                throw new IllegalArgumentException("bad text detector settings");
            }
        }

        /**
         * 640 px, score ≥ 0.7 (above PaddleOCR's 0.6: on vtest.avi that drops a third of the false boxes on people
         * and keeps every line of counter-text.mp4's counter).
         */
        public static Settings defaults() {
            return new Settings(640, 0.7f);
        }
    }

    private final InferenceEngine engine;
    private final Settings settings;

    public TextDetector(InferenceEngine engine, Settings settings) {
        this.engine = engine;
        this.settings = settings;
    }

    /**
     * Text boxes of each frame, in input order, in the frame's own pixels. Fails with the engine's
     * {@link io.framegrid.gpunode.inference.InferenceException} (e.g. the model is missing or inactive).
     */
    public List<FrameBoxes> detect(List<DecodedFrame> frames) {
        List<FrameBoxes> out = new ArrayList<>(frames.size());
        for (int from = 0; from < frames.size(); from += IN_FLIGHT) {
            List<DecodedFrame> window = frames.subList(from, Math.min(frames.size(), from + IN_FLIGHT));
            List<CompletableFuture<DetectionResult>> pending = new ArrayList<>(window.size());
            List<Double> scales = new ArrayList<>(window.size());
            for (DecodedFrame frame : window) {
                Mat image = frame.image();
                double scale = (double) settings.detectSide() / Math.max(image.cols(), image.rows());
                Mat input = image;
                if (Math.abs(scale - 1) > 1e-3) {
                    input = new Mat();
                    resize(image, input, new Size((int) Math.round(image.cols() * scale),
                            (int) Math.round(image.rows() * scale)), 0, 0, scale < 1 ? INTER_AREA : INTER_LINEAR);
                }
                scales.add(scale);
                pending.add(engine.detect(MODEL_ID, input, settings.threshold(), Set.of()));
            }
            for (int i = 0; i < window.size(); i++) {
                DecodedFrame frame = window.get(i);
                out.add(new FrameBoxes(frame.index(), boxes(join(pending.get(i)), scales.get(i),
                        frame.image().cols(), frame.image().rows())));
            }
        }
        return out;
    }

    private static List<TextBox> boxes(DetectionResult result, double scale, int width, int height) {
        List<TextBox> boxes = new ArrayList<>(result.detections().size());
        for (Detection d : result.detections()) {
            int x0 = (int) Math.floor(d.x() / scale);
            int y0 = (int) Math.floor(d.y() / scale);
            int x1 = (int) Math.ceil((d.x() + d.width()) / scale);
            int y1 = (int) Math.ceil((d.y() + d.height()) / scale);
            TextBox box = new TextBox(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)).clip(width, height);
            if (box.area() > 0) {
                boxes.add(box);
            }
        }
        return boxes;
    }

    private static DetectionResult join(CompletableFuture<DetectionResult> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
