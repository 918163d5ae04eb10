package io.framegrid.gpunode.kernels;

/**
 * How frames become a model's input tensor: {@code out[c] = (pixel[c'] * scale - mean[c]) / std[c]} laid out CHW,
 * where {@code c'} is the source channel after the optional BGR→RGB swap.
 *
 * @param keepAspect letterbox (scale to fit, pad the rest with {@code padValue}) rather than stretch
 * @param centered   centre the letterboxed image; {@code false} puts it top-left (YOLOX, PaddleOCR)
 * @param padValue   raw 0–255 value of padding pixels, before normalisation
 */
public record PreprocessSpec(
        int width, int height, boolean keepAspect, boolean centered, float padValue,
        boolean swapRB, float scale, float[] mean, float[] std) {

    public PreprocessSpec {
        if (width < 1 || height < 1 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("bad preprocess spec");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** YOLOX: BGR, raw 0–255, letterbox top-left, pad 114. */
    public static PreprocessSpec yolox(int width, int height) {
        return new PreprocessSpec(width, height, true, false, 114f, false, 1f,
                new float[] {0, 0, 0}, new float[] {1, 1, 1});
    }

    /** PaddleOCR DB: ImageNet mean/std on 0–1 values in the order PaddleOCR applies them, letterbox top-left, pad 0. */
    public static PreprocessSpec paddleDb(int width, int height) {
        return new PreprocessSpec(width, height, true, false, 0f, false, 1f / 255f,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    /** Stretch to size, RGB, 0–1 (MediaPipe selfie segmentation). */
    public static PreprocessSpec rgbUnit(int width, int height) {
        return new PreprocessSpec(width, height, false, false, 0f, true, 1f / 255f,
                new float[] {0, 0, 0}, new float[] {1, 1, 1});
    }

    /** Where a source image of this size lands in the tensor. */
    public Letterbox letterboxFor(int srcWidth, int srcHeight) {
        if (!keepAspect) {
            return new Letterbox(srcWidth, srcHeight, width, height, 0, 0);
        }
        double r = Math.min((double) width / srcWidth, (double) height / srcHeight);
        int newW = Math.max(1, Math.min(width, (int) Math.round(srcWidth * r)));
        int newH = Math.max(1, Math.min(height, (int) Math.round(srcHeight * r)));
        int offX = centered ? (width - newW) / 2 : 0;
        int offY = centered ? (height - newH) / 2 : 0;
        return new Letterbox(srcWidth, srcHeight, newW, newH, offX, offY);
    }
}
