package io.framegrid.gpunode.kernels;

/** Placement of a source image inside a model input: resized to {@code newW × newH} at {@code (offX, offY)}. */
public record Letterbox(int srcWidth, int srcHeight, int newWidth, int newHeight, int offX, int offY) {

    public double scaleX() {
        return (double) newWidth / srcWidth;
    }

    public double scaleY() {
        return (double) newHeight / srcHeight;
    }

    /** Model-input x to source-image x. */
    public double toSourceX(double x) {
        return (x - offX) / scaleX();
    }

    /** Model-input y to source-image y. */
    public double toSourceY(double y) {
        return (y - offY) / scaleY();
    }
}
