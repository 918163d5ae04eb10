package io.framegrid.gpunode.inference;

import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Letterbox;
import io.framegrid.gpunode.kernels.PreprocessSpec;
import io.framegrid.gpunode.kernels.TensorBatch;
import io.framegrid.gpunode.models.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** YOLOX (COCO): letterbox preprocessing kernel, ONNX Runtime via DJL, grid decode, class-wise NMS. */
public final class YoloxDetector implements Detector {

    static final int INPUT = 416;
    private static final int[] STRIDES = {8, 16, 32};
    private static final float NMS_IOU = 0.45f;

    private final ModelManifest manifest;
    private final FrameKernels kernels;
    private final OnnxModel model;
    private final PreprocessSpec spec = PreprocessSpec.yolox(INPUT, INPUT);

    YoloxDetector(ModelManifest manifest, Path file, FrameKernels kernels) {
        this.manifest = manifest;
        this.kernels = kernels;
        this.model = new OnnxModel(file, 2);
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<List<Detection>> detect(List<Mat> images, float threshold) {
        // One batched preprocessing call; the model then runs once per image because its export fixes batch=1.
        TensorBatch batch = kernels.preprocess(images, spec);
        // Two images of a batch run at once over the predictor pool, as two direct callers would.
        return java.util.stream.IntStream.range(0, batch.n()).parallel()
                .mapToObj(i -> decode(model.run(batch.slice(i), new long[] {1, 3, INPUT, INPUT}),
                        batch.letterboxes().get(i), threshold))
                .toList();
    }

    /** Exposed for the benchmark's bare-runtime baseline, which must see the same tensors. */
    public TensorBatch preprocess(List<Mat> images) {
        return kernels.preprocess(images, spec);
    }

    List<Detection> decode(float[] raw, Letterbox box, float threshold) {
        int classes = manifest.classNames().size();
        int stride = 5 + classes;
        List<Detection> candidates = new ArrayList<>();
        int anchor = 0;
        for (int s : STRIDES) {
            int grid = INPUT / s;
            for (int gy = 0; gy < grid; gy++) {
                for (int gx = 0; gx < grid; gx++, anchor++) {
                    int base = anchor * stride;
                    float objectness = raw[base + 4];
                    if (objectness < threshold) {
                        continue; // score = obj × cls ≤ obj
                    }
                    int best = 0;
                    float bestScore = 0;
                    for (int c = 0; c < classes; c++) {
                        float v = raw[base + 5 + c];
                        if (v > bestScore) {
                            bestScore = v;
                            best = c;
                        }
                    }
                    float score = objectness * bestScore;
                    if (score < threshold) {
                        continue;
                    }
                    float cx = (raw[base] + gx) * s;
                    float cy = (raw[base + 1] + gy) * s;
                    float w = (float) Math.exp(raw[base + 2]) * s;
                    float h = (float) Math.exp(raw[base + 3]) * s;
                    double x0 = clamp(box.toSourceX(cx - w / 2), box.srcWidth());
                    double y0 = clamp(box.toSourceY(cy - h / 2), box.srcHeight());
                    double x1 = clamp(box.toSourceX(cx + w / 2), box.srcWidth());
                    double y1 = clamp(box.toSourceY(cy + h / 2), box.srcHeight());
                    candidates.add(new Detection(best, manifest.classNames().get(best), score,
                            (float) x0, (float) y0, (float) (x1 - x0), (float) (y1 - y0)));
                }
            }
        }
        return Nms.apply(candidates, NMS_IOU);
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    @Override
    public void close() {
        model.close();
    }
}
