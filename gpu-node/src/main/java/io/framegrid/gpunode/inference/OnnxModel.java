package io.framegrid.gpunode.inference;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.Model;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX model on DJL's ONNX Runtime engine, with a small pool of predictors (a DJL predictor is not
 * thread-safe; ONNX Runtime sessions are, and the pool lets concurrent callers share one session).
 *
 * <p>Each pooled predictor owns a reusable direct input buffer: ONNX Runtime wraps a direct native-order buffer
 * without copying, whereas a heap array costs a fresh 2 MB direct allocation plus a copy on every call.
 *
 * <p>{@link #close} waits for the runs in flight: ONNX Runtime's {@code OrtSession.run} does not guard against a
 * concurrent {@code close}, and a session freed under a running call is a use-after-free in native code (it killed
 * a test JVM with a SIGSEGV inside {@code OrtSession.run}). Runs that start after close fail with
 * {@link IllegalStateException}.
 */
final class OnnxModel implements AutoCloseable {

    private static final class Slot {
        final Predictor<NDList, NDList> predictor;
        FloatBuffer input = FloatBuffer.allocate(0);

        Slot(Predictor<NDList, NDList> predictor) {
            this.predictor = predictor;
        }

        FloatBuffer input(int length) {
            if (input.capacity() < length || !input.isDirect()) {
                input = ByteBuffer.allocateDirect(length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            }
            input.clear();
            return input;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(OnnxModel.class);
    /** How long close waits for runs in flight; a CPU batch of large frames on a loaded machine takes seconds. */
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Path file;
    private final Model model;
    /** Owned here: DJL closes only the session options it created itself. */
    private final OrtSession.SessionOptions sessionOptions;
    private final BlockingQueue<Slot> slots;
    private final int poolSize;
    /** Guards {@link #running} and {@link #closed}; close waits on it for running to reach zero. */
    private final Object lifecycle = new Object();
    private int running;
    private boolean closed;

    OnnxModel(Path file, int poolSize) {
        this(file, poolSize, OnnxSessionOptions.intraOpThreads());
    }

    /** A session whose runs use {@code intraOpThreads} threads each, shared by {@code poolSize} predictors. */
    OnnxModel(Path file, int poolSize, int intraOpThreads) {
        this.file = file;
        Model loaded = Model.newInstance(file.getFileName().toString(), "OnnxRuntime");
        this.sessionOptions = OnnxSessionOptions.create(intraOpThreads);
        try {
            // Model.load, not Criteria: only its argument map carries a SessionOptions object to the session (the
            // criteria's options are strings, and DJL has no string option for ORT's session config entries).
            loaded.load(file.toAbsolutePath().getParent(), file.getFileName().toString(),
                    Map.of("sessionOptions", sessionOptions));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            loaded.close();
            sessionOptions.close();
            throw new IllegalStateException("cannot load ONNX model " + file + ": " + e.getMessage(), e);
        }
        this.model = loaded;
        this.poolSize = poolSize;
        this.slots = new ArrayBlockingQueue<>(poolSize);
        for (int i = 0; i < poolSize; i++) {
            slots.add(new Slot(model.newPredictor(new NoopTranslator())));
        }
    }

    /** Predictors in the pool: how many model calls may run at once. */
    int poolSize() {
        return poolSize;
    }

    /** Runs the model on one float tensor and returns its first output as a flat array. */
    float[] run(float[] data, long[] shape) {
        FloatBuffer out = run(data, 0, data.length, shape);
        float[] array = new float[out.remaining()];
        out.get(array);
        return array;
    }

    /**
     * Runs the model on {@code length} floats of {@code data} from {@code offset} (one tensor of {@code shape})
     * and returns its first output, which stays valid after the call.
     */
    FloatBuffer run(float[] data, int offset, int length, long[] shape) {
        return run(List.of(data), offset, length, shape);
    }

    /**
     * Runs the model on one tensor of {@code shape} whose data is {@code parts} one after the other (a batch of
     * separately prepared inputs, copied straight into the predictor's input buffer); returns its first output.
     */
    FloatBuffer run(List<float[]> parts, long[] shape) {
        int length = 0;
        for (float[] p : parts) {
            length += p.length;
        }
        return run(parts, 0, length, shape);
    }

    private FloatBuffer run(List<float[]> parts, int offset, int length, long[] shape) {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("ONNX model " + file.getFileName() + " is closed");
            }
            running++;
        }
        try {
            return runOpen(parts, offset, length, shape);
        } finally {
            synchronized (lifecycle) {
                if (--running == 0) {
                    lifecycle.notifyAll();
                }
            }
        }
    }

    private FloatBuffer runOpen(List<float[]> parts, int offset, int length, long[] shape) {
        Slot slot;
        try {
            slot = slots.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a predictor", e);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            FloatBuffer input = slot.input(length);
            if (parts.size() == 1) {
                input.put(parts.get(0), offset, length);
            } else {
                parts.forEach(input::put);
            }
            input.flip();
            NDArray tensor = manager.create(input, new Shape(shape));
            NDList output = slot.predictor.predict(new NDList(tensor));
            // toByteBuffer copies the result out of the native tensor, so it outlives the manager.
            return output.get(0).toByteBuffer().asFloatBuffer();
        } catch (TranslateException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        } finally {
            slots.add(slot);
        }
    }

    /**
     * Refuses new runs, waits for the runs in flight, then frees the predictors and the session. Should runs still
     * be in flight after the wait, the native session is left open (a leak) rather than freed under them (a crash).
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
            boolean interrupted = false;
            while (running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lifecycle, left);
                } catch (InterruptedException e) {
                    // Keep waiting: giving up early would free the session under a running call.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (running > 0) {
                log.warn("ONNX model {}: {} run(s) still in flight after {} s; its native session is left open",
                        file.getFileName(), running, TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS));
                return;
            }
        }
        // No run in flight and none can start: every predictor is back in the pool.
        slots.forEach(s -> s.predictor.close());
        model.close();
        sessionOptions.close();
    }
}
