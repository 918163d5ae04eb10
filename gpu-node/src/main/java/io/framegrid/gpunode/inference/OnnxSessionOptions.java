package io.framegrid.gpunode.inference;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * The ONNX Runtime session settings of every model the engine loads, in one place so that the benchmark's bare
 * runtime baseline uses exactly the same ones (comparing different thread or optimisation settings would
 * measure configuration, not the engine): full graph optimisation, sequential execution, intra-op threads = the
 * CPU cores this JVM may use, intra-op workers that block rather than spin. Except for the spinning, ONNX Runtime's
 * CPU defaults are the same; they are spelled out so that a DJL or ORT upgrade cannot change one side silently.
 */
public final class OnnxSessionOptions {

    private static final OrtSession.SessionOptions.OptLevel OPT_LEVEL = OrtSession.SessionOptions.OptLevel.ALL_OPT;
    private static final OrtSession.SessionOptions.ExecutionMode MODE =
            OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL;

    private OnnxSessionOptions() {
    }

    static int intraOpThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * The process's ONNX Runtime environment, created by DJL's engine if nobody has yet: code that uses ONNX Runtime
     * directly must get it here, because a default environment created first makes DJL's engine fail to initialise
     * (DJL creates it with thread settings, which ONNX Runtime refuses once one exists).
     */
    public static OrtEnvironment environment() {
        Engine.getEngine("OnnxRuntime");
        return OrtEnvironment.getEnvironment();
    }

    /** The same settings for a session created directly on ONNX Runtime; the caller closes the result. */
    public static OrtSession.SessionOptions create() {
        return create(intraOpThreads());
    }

    /** The same with {@code intraOpThreads} threads per run (as the detectors' sessions for concurrent runs). */
    public static OrtSession.SessionOptions create(int intraOpThreads) {
        environment(); // session options made first would create a default environment: see environment()
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OPT_LEVEL);
            options.setExecutionMode(MODE);
            options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            // Intra-op workers block instead of spinning between parallel sections: on a node whose cores also run
            // the grid, gRPC and decoding, a spinning worker burns the CPU those threads wait for (bench detection,
            // 2 cores: the cluster's throughput 34 -> 45-57 images/s; a lone wide run's p50 12 -> 15 ms).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (OrtException e) {
            options.close();
            throw new IllegalStateException("cannot set ONNX Runtime session options: " + e.getMessage(), e);
        }
    }
}
