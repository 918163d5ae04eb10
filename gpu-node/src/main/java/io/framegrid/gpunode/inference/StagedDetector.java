package io.framegrid.gpunode.inference;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A detector whose work splits so that a batcher's one thread does only the model run: {@link #prepare} (resize,
 * normalise) runs on the caller's thread, {@link #run} stacks prepared inputs into one batched model call, and
 * {@link #finish} (decoding the model's output) runs off the batcher's thread. With all three on the batcher's
 * thread, the model sits idle while one thread prepares and decodes the whole batch.
 *
 * @param <P> one image's prepared model input
 */
interface StagedDetector<P> extends Detector {

    /** One image's model input (thread-safe, called on the requesting thread). */
    P prepare(Mat image);

    /** The model's output for each prepared input, in order; inputs of one size share one model call. */
    List<float[]> run(List<P> batch);

    /** Detections with confidence ≥ {@code threshold} from one input's model output. */
    List<Detection> finish(P prepared, float[] output, float threshold);

    /** Where {@link #finish} runs: a pool sized to the cores. */
    java.util.concurrent.Executor decoders();
}
