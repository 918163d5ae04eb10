package io.framegrid.gpunode.engine.lipsync;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.framegrid.gpunode.inference.OnnxSessionOptions;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.models.ModelManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A Wav2Lip-style ONNX model on DJL's ONNX Runtime engine ({@link LipSyncContract}). Per segment: the speaker's
 * face is found and tracked ({@link FaceTrack}); each tracked frame gives a 96×96 crop of the face box (its bottom
 * padded by a tenth, as Wav2Lip pads its detector's boxes to take in the chin), fed with its lower half masked
 * beside the unmasked crop and the frame's 16-frame mel window, {@link #batchSize()} frames per model call; the
 * regenerated crop's mouth region is pasted back through a feathered mask ({@link MouthPaste}).
 *
 * <p>Thread-safe: each {@link #apply} call takes a predictor of its own (a DJL predictor is not thread-safe; the
 * ONNX Runtime session under it is). The face detector belongs to the caller (the node's inference engine).
 */
public final class OnnxLipSync implements LipSync {
    /** Frames per model call when the model's batch dimension is dynamic and its manifest names none. */
    static final int DEFAULT_BATCH = 16;
    private static final int FACE_VALUES = 6 * LipSyncContract.CROP * LipSyncContract.CROP;
    private static final int CROP_VALUES = 3 * LipSyncContract.CROP * LipSyncContract.CROP;
    private static final int MEL_VALUES = MelSpectrogram.BANDS * MelSpectrogram.WINDOW;
    /** Crops smaller than this (frame pixels) carry too little of a mouth to regenerate. */
    private static final int MIN_FACE = 24;

    private final ModelManifest manifest;
    private final Supplier<Detector> faces;
    private final ZooModel<NDList, NDList> model;
    private final LipSyncContract contract;
    private final int batchSize;
    private final MelSpectrogram mel = new MelSpectrogram();

    /**
     * Loads {@code file} and checks the contract (declared shapes, then one run on a zero batch); an unmet
     * contract is an {@link IllegalArgumentException} naming what differs.
     *
     * @param faces the node's face detector, asked for on the first {@link #apply} (a model check needs none)
     */
    public OnnxLipSync(ModelManifest manifest, Path file, Supplier<Detector> faces) {
        this.manifest = manifest;
        this.faces = faces;
        try {
            this.model = Criteria.builder().setTypes(NDList.class, NDList.class)
                    .optModelPath(file).optEngine("OnnxRuntime").build().loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException("cannot load ONNX model " + file + ": " + e.getMessage(), e);
        }
        try {
            this.contract = declaredContract(file);
            int declared = manifest.maxModelBatch();
            this.batchSize = contract.fixedBatch() > 0 ? contract.fixedBatch()
                    : declared > 1 ? declared : DEFAULT_BATCH;
            try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
                int n = contract.fixedBatch() > 0 ? contract.fixedBatch() : 1;
                run(predictor, new float[n * MEL_VALUES], new float[n * FACE_VALUES], n);
            }
        } catch (RuntimeException e) {
            model.close();
            throw e instanceof IllegalArgumentException ? e
                    : new IllegalArgumentException(manifest.id() + " fails a test run: " + e.getMessage(), e);
        }
    }

    /**
     * The contract from the file's declared inputs and outputs, read with ONNX Runtime's own session (DJL's ONNX
     * Runtime model does not describe its inputs; inference still runs through DJL).
     */
    private static LipSyncContract declaredContract(Path file) {
        try (OrtSession session = OnnxSessionOptions.environment().createSession(file.toString())) {
            return LipSyncContract.of(shapes(session.getInputInfo()), shapes(session.getOutputInfo()));
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    private static PairList<String, Shape> shapes(java.util.Map<String, NodeInfo> nodes) {
        PairList<String, Shape> out = new PairList<>();
        nodes.forEach((name, info) -> out.add(name, info.getInfo() instanceof TensorInfo t
                ? new Shape(t.getShape()) : new Shape()));
        return out;
    }

    /** Frames per model call. */
    public int batchSize() {
        return batchSize;
    }

    @Override
    public String modelId() {
        return manifest.id() + "@" + manifest.version();
    }

    /** @param monoPcm16k the segment's audio, 16 kHz mono samples in [−1, 1], starting with its first frame */
    @Override
    public void apply(List<Mat> frames, double fps, float[] monoPcm16k, List<Rect> protectedBoxes) {
        if (!(fps > 0)) {
            throw new IllegalArgumentException("fps must be positive, got " + fps);
        }
        for (Mat f : frames) {
            if (f.type() != CV_8UC3) {
                throw new IllegalArgumentException("frames must be 8-bit BGR (CV_8UC3), got type " + f.type());
            }
        }
        if (frames.isEmpty()) {
            return;
        }
        float[][] spectrogram = mel.of(monoPcm16k);
        Rect[] boxes = FaceTrack.boxes(faces.get(), frames);
        List<Integer> todo = new ArrayList<>();
        Rect[] crops = new Rect[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            if (boxes[i] != null) {
                crops[i] = crop(boxes[i], frames.get(i));
                if (crops[i] != null) {
                    todo.add(i);
                }
            }
        }
        List<Rect> protect = List.copyOf(protectedBoxes);
        try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
            for (int start = 0; start < todo.size(); start += batchSize) {
                List<Integer> part = todo.subList(start, Math.min(todo.size(), start + batchSize));
                // A model with a fixed batch gets its last, short batch padded with repeats of the last frame.
                int n = contract.fixedBatch() > 0 ? contract.fixedBatch() : part.size();
                float[] mels = new float[n * MEL_VALUES];
                float[] facesIn = new float[n * FACE_VALUES];
                for (int j = 0; j < n; j++) {
                    int frame = part.get(Math.min(j, part.size() - 1));
                    System.arraycopy(MelSpectrogram.window(spectrogram, frame, fps), 0, mels, j * MEL_VALUES,
                            MEL_VALUES);
                    faceTensor(frames.get(frame), crops[frame], facesIn, j * FACE_VALUES);
                }
                float[] out = run(predictor, mels, facesIn, n);
                for (int j = 0; j < part.size(); j++) {
                    int frame = part.get(j);
                    Mat predicted = toImage(out, j * CROP_VALUES);
                    try {
                        MouthPaste.paste(frames.get(frame), crops[frame], predicted, protect);
                    } finally {
                        predicted.close();
                    }
                }
            }
        }
    }

    /** The face box with its bottom padded by a tenth, clipped to the frame; null when too small. */
    static Rect crop(Rect face, Mat frame) {
        int x0 = Math.max(0, face.x());
        int y0 = Math.max(0, face.y());
        int x1 = Math.min(frame.cols(), face.x() + face.width());
        int y1 = Math.min(frame.rows(), face.y() + face.height() + face.height() / 10);
        if (x1 - x0 < MIN_FACE || y1 - y0 < MIN_FACE) {
            return null;
        }
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /** Writes one frame's {@code [6,96,96]} face input at {@code offset}: masked crop, then the crop, 0–1 BGR. */
    private static void faceTensor(Mat frame, Rect crop, float[] into, int offset) {
        int s = LipSyncContract.CROP;
        byte[] pixels = new byte[s * s * 3];
        try (Mat roi = new Mat(frame, crop); Mat small = new Mat()) {
            resize(roi, small, new Size(s, s), 0, 0, INTER_AREA);
            small.data().get(pixels);
        }
        int plane = s * s;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = (pixels[(y * s + x) * 3 + c] & 0xff) / 255f;
                    into[offset + c * plane + y * s + x] = y < s / 2 ? v : 0f;
                    into[offset + (3 + c) * plane + y * s + x] = v;
                }
            }
        }
    }

    /** One {@code [3,96,96]} output (0–1) as an 8-bit BGR image. */
    private static Mat toImage(float[] out, int offset) {
        int s = LipSyncContract.CROP;
        int plane = s * s;
        byte[] pixels = new byte[plane * 3];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                float v = out[offset + c * plane + p];
                int level = Float.isNaN(v) ? 0 : (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
                pixels[p * 3 + c] = (byte) level;
            }
        }
        Mat image = new Mat(s, s, CV_8UC3);
        image.data().put(pixels);
        return image;
    }

    private float[] run(Predictor<NDList, NDList> predictor, float[] mels, float[] facesIn, int n) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray melArray = manager.create(mels, new Shape(n, 1, MelSpectrogram.BANDS, MelSpectrogram.WINDOW));
            melArray.setName(contract.melInput());
            NDArray faceArray = manager.create(facesIn,
                    new Shape(n, 6, LipSyncContract.CROP, LipSyncContract.CROP));
            faceArray.setName(contract.faceInput());
            NDList input = contract.melFirst() ? new NDList(melArray, faceArray) : new NDList(faceArray, melArray);
            NDList output = predictor.predict(input);
            NDArray first = output.get(0);
            long[] expected = {n, 3, LipSyncContract.CROP, LipSyncContract.CROP};
            if (!java.util.Arrays.equals(first.getShape().getShape(), expected)) {
                throw new IllegalArgumentException(manifest.id() + " returned " + first.getShape() + " for a batch of "
                        + n + ", expected " + new Shape(expected));
            }
            return first.toFloatArray();
        } catch (TranslateException e) {
            throw new IllegalStateException(manifest.id() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
