package io.framegrid.gpunode.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Greedy class-wise non-maximum suppression. */
final class Nms {

    private Nms() {
    }

    static List<Detection> apply(List<Detection> candidates, float iouThreshold) {
        List<Detection> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection d : sorted) {
            boolean suppressed = false;
            for (Detection k : kept) {
                if (k.classId() == d.classId() && k.iou(d) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(d);
            }
        }
        return kept;
    }
}
