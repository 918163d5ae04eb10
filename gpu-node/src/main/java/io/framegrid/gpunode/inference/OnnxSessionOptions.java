package io.framegrid.gpunode.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;

/**
 * The ONNX Runtime session settings of every model the engine loads, in one place so that the benchmark's bare
 * runtime baseline uses exactly the same ones (comparing different thread or optimisation settings would
 * measure configuration, not the engine): full graph optimisation, sequential execution, intra-op threads = the
 * CPU cores this JVM may use. ONNX Runtime's CPU defaults are the same; they are spelled out so that a DJL or ORT
 * upgrade cannot change one side silently.
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
     * The settings as DJL criteria options: DJL's ONNX Runtime engine reads only string options (an
     * {@code OrtSession.SessionOptions} object passed as an argument never reaches the session).
     */
    static Map<String, String> djlOptions() {
        return djlOptions(intraOpThreads());
    }

    /** The same with {@code intraOpThreads} threads per model run (a session meant for concurrent runs). */
    static Map<String, String> djlOptions(int intraOpThreads) {
        return Map.of("optLevel", OPT_LEVEL.name(), "executionMode", MODE.name(),
                "intraOpNumThreads", String.valueOf(Math.max(1, intraOpThreads)));
    }

    /** The same settings for a session created directly on ONNX Runtime; the caller closes the result. */
    public static OrtSession.SessionOptions create() {
        return create(intraOpThreads());
    }

    /** The same with {@code intraOpThreads} threads per run (as the detectors' sessions for concurrent runs). */
    public static OrtSession.SessionOptions create(int intraOpThreads) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OPT_LEVEL);
            options.setExecutionMode(MODE);
            options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            return options;
        } catch (OrtException e) {
            options.close();
            throw new IllegalStateException("cannot set ONNX Runtime session options: " + e.getMessage(), e);
        }
    }
}
