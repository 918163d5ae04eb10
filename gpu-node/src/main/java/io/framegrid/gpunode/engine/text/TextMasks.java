package io.framegrid.gpunode.engine.text;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Erase masks from text boxes: each box dilated by {@code max(minPixels, heightShare × box height)} on every side,
 * which takes in the outlines, shadows and anti-aliasing a detector's box leaves out (and the codec's ringing
 * around sharp glyph edges).
 */
public record TextMasks(int minPixels, double heightShare) {

    public TextMasks {
        if (minPixels < 0 || heightShare < 0) {
            throw new IllegalArgumentException("bad mask dilation");
        }
    }

    /** At least 3 px, else a fifth of the box height. */
    public static TextMasks defaults() {
        return new TextMasks(3, 0.2);
    }

    /** The dilated boxes, clipped to the frame. */
    public List<TextBox> dilate(List<TextBox> boxes, int frameWidth, int frameHeight) {
        List<TextBox> out = new ArrayList<>(boxes.size());
        for (TextBox b : boxes) {
            TextBox grown = b.grow(Math.max(minPixels, (int) Math.round(heightShare * b.height())), frameWidth, frameHeight);
            if (grown.area() > 0) {
                out.add(grown);
            }
        }
        return out;
    }

    /** An 8-bit mask (255 = erase) of the dilated boxes. */
    public Mat mask(List<TextBox> boxes, int frameWidth, int frameHeight) {
        Mat mask = new Mat(frameHeight, frameWidth, CV_8UC1, new Scalar(0));
        for (TextBox b : dilate(boxes, frameWidth, frameHeight)) {
            new Mat(mask, new Rect(b.x(), b.y(), b.width(), b.height())).put(new Scalar(255));
        }
        return mask;
    }
}
