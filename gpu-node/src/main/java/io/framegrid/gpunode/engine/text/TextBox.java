package io.framegrid.gpunode.engine.text;

/** An axis-aligned box in frame pixels: top-left {@code x, y}, {@code width × height} (all ≥ 0). */
public record TextBox(int x, int y, int width, int height) {

    public TextBox {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative box size " + width + "x" + height);
        }
    }

    public int right() {
        return x + width;
    }

    public int bottom() {
        return y + height;
    }

    public long area() {
        return (long) width * height;
    }

    public boolean contains(int px, int py) {
        return px >= x && px < x + width && py >= y && py < y + height;
    }

    public long intersection(TextBox o) {
        long ix = Math.max(0, Math.min(right(), o.right()) - Math.max(x, o.x));
        long iy = Math.max(0, Math.min(bottom(), o.bottom()) - Math.max(y, o.y));
        return ix * iy;
    }

    public double iou(TextBox o) {
        long inter = intersection(o);
        long union = area() + o.area() - inter;
        return union <= 0 ? 0 : (double) inter / union;
    }

    /** Intersection over the smaller box's area: 1 when one box lies inside the other. */
    public double overlapOfSmaller(TextBox o) {
        long smaller = Math.min(area(), o.area());
        return smaller <= 0 ? 0 : (double) intersection(o) / smaller;
    }

    public TextBox union(TextBox o) {
        int x0 = Math.min(x, o.x);
        int y0 = Math.min(y, o.y);
        return new TextBox(x0, y0, Math.max(right(), o.right()) - x0, Math.max(bottom(), o.bottom()) - y0);
    }

    /** Grown by {@code px} on every side and clipped to a {@code frameWidth × frameHeight} frame. */
    public TextBox grow(int px, int frameWidth, int frameHeight) {
        return new TextBox(x - px, y - px, width + 2 * px, height + 2 * px).clip(frameWidth, frameHeight);
    }

    /** Grown outwards to multiples of {@code grid} (so jittering detections of one text land on one box). */
    public TextBox snap(int grid, int frameWidth, int frameHeight) {
        if (grid <= 1) {
            return clip(frameWidth, frameHeight);
        }
        int x0 = Math.floorDiv(x, grid) * grid;
        int y0 = Math.floorDiv(y, grid) * grid;
        int x1 = Math.floorDiv(right() + grid - 1, grid) * grid;
        int y1 = Math.floorDiv(bottom() + grid - 1, grid) * grid;
        return new TextBox(x0, y0, x1 - x0, y1 - y0).clip(frameWidth, frameHeight);
    }

    public TextBox clip(int frameWidth, int frameHeight) {
        int x0 = Math.max(0, Math.min(frameWidth, x));
        int y0 = Math.max(0, Math.min(frameHeight, y));
        int x1 = Math.max(x0, Math.min(frameWidth, right()));
        int y1 = Math.max(y0, Math.min(frameHeight, bottom()));
        return new TextBox(x0, y0, x1 - x0, y1 - y0);
    }
}
