package io.framegrid.gpunode.inference;

/** One detected object: class, confidence 0–1 and a box in source-image pixels (top-left x, y, width, height). */
public record Detection(int classId, String className, float confidence, float x, float y, float width, float height) {

    float area() {
        return Math.max(0, width) * Math.max(0, height);
    }

    /** Intersection over union with another box. */
    public float iou(Detection o) {
        float ix = Math.max(0, Math.min(x + width, o.x + o.width) - Math.max(x, o.x));
        float iy = Math.max(0, Math.min(y + height, o.y + o.height) - Math.max(y, o.y));
        float inter = ix * iy;
        float union = area() + o.area() - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
