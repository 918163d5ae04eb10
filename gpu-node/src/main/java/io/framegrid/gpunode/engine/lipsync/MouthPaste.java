package io.framegrid.gpunode.engine.lipsync;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.List;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Pastes a regenerated crop's mouth region back into its frame through a feathered mask: weight 1 inside the mouth
 * region (the lower half of the crop the model regenerates, without its outer columns and last rows), ramping
 * smoothly to 0 over {@link #FEATHER} of the crop's width at its edges, and exactly 0 everywhere else and inside
 * every protected box, so those pixels are never written.
 */
final class MouthPaste {
    /** The mouth region in crop fractions: Wav2Lip regenerates the lower half (its input masks rows ≥ 48 of 96). */
    static final double TOP = 0.5;
    static final double BOTTOM = 0.96;
    static final double LEFT = 0.12;
    static final double RIGHT = 0.88;
    /** Feather width as a fraction of the crop's width. */
    static final double FEATHER = 0.1;

    private MouthPaste() {
    }

    /** The part of {@code crop} (frame pixels) whose pixels the paste may change: the mouth region. */
    static Rect region(Rect crop) {
        int x0 = crop.x() + (int) Math.round(LEFT * crop.width());
        int x1 = crop.x() + (int) Math.round(RIGHT * crop.width());
        int y0 = crop.y() + (int) Math.round(TOP * crop.height());
        int y1 = crop.y() + (int) Math.round(BOTTOM * crop.height());
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /**
     * Blends {@code predicted} (a {@code 96×96} BGR crop, CV_8UC3) into {@code frame} over {@code crop}, skipping
     * every pixel of {@code protectedBoxes}.
     */
    static void paste(Mat frame, Rect crop, Mat predicted, List<Rect> protectedBoxes) {
        Mat scaled = new Mat();
        resize(predicted, scaled, new Size(crop.width(), crop.height()), 0, 0, INTER_LINEAR);
        Rect r = region(crop);
        double feather = Math.max(1, FEATHER * crop.width());
        try (UByteIndexer dst = frame.createIndexer(); UByteIndexer src = scaled.createIndexer()) {
            for (int y = r.y(); y < r.y() + r.height(); y++) {
                double wy = ramp(Math.min(y - r.y(), r.y() + r.height() - 1 - y), feather);
                for (int x = r.x(); x < r.x() + r.width(); x++) {
                    double a = wy * ramp(Math.min(x - r.x(), r.x() + r.width() - 1 - x), feather);
                    if (a <= 0 || isProtected(x, y, protectedBoxes)) {
                        continue;
                    }
                    for (int c = 0; c < 3; c++) {
                        int old = dst.get(y, x, c);
                        int fresh = src.get(y - crop.y(), x - crop.x(), c);
                        dst.put(y, x, c, (int) Math.round(old + a * (fresh - old)));
                    }
                }
            }
        } finally {
            scaled.close();
        }
    }

    /** Smoothstep from 0 at the region's edge to 1 at {@code feather} pixels in; > 0 on every pixel inside. */
    private static double ramp(int distance, double feather) {
        double t = Math.min(1, (distance + 1) / (feather + 1));
        return t * t * (3 - 2 * t);
    }

    private static boolean isProtected(int x, int y, List<Rect> boxes) {
        for (Rect b : boxes) {
            if (x >= b.x() && x < b.x() + b.width() && y >= b.y() && y < b.y() + b.height()) {
                return true;
            }
        }
        return false;
    }
}
