package io.framegrid.gpunode.engine.lipsync;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.models.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lip-sync plumbing end to end with a model this test writes ({@link OnnxGraph#testLipSyncModel}: the mouth
 * becomes a grey whose brightness is the mean of the frame's mel window), on a talking-head clip made from a
 * photo in {@code ../shared/media}: the photo drifting a pixel a frame, 40 frames at 25 fps, one frame blanked,
 * over 0.8 s of silence then 0.8 s of noise.
 */
class OnnxLipSyncTest {
    private static final double FPS = 25;
    private static final int FRAMES = 40;
    private static final int BLANK = 5;
    private static Detector faces;
    private static Mat photo;
    private static Rect face;

    @BeforeAll
    static void faceDetector() {
        ModelRegistry builtins = new ModelRegistry(null);
        faces = new DetectorFactory(builtins, ComputeDevice.cpuOnly().kernels())
                .load(builtins.find(LipSyncModels.FACE_MODEL).orElseThrow());
        Path shared = Path.of(System.getenv().getOrDefault("FRAMEGRID_SHARED", "../../shared"));
        photo = imread(shared.resolve("media/images/messi5.jpg").toString());
        assertFalse(photo.empty(), "photo missing under " + shared);
        List<Detection> found = faces.detect(List.of(photo), 0.3f).get(0);
        // The cascade also fires on a smaller patch beside the player's face: the speaker is the largest face.
        Detection d = found.stream().max(java.util.Comparator.comparingDouble(f -> f.width() * f.height()))
                .orElseThrow(() -> new AssertionError("no face in the photo"));
        assertTrue(d.width() >= 80, "the player's face: " + found);
        face = new Rect((int) d.x(), (int) d.y(), (int) d.width(), (int) d.height());
    }

    @AfterAll
    static void close() {
        faces.close();
    }

    /** Frame i: the photo shifted right by i / 4 pixels (a slow head drift the tracker follows). */
    private static List<Mat> clip() {
        List<Mat> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            Mat frame = new Mat(photo.rows(), photo.cols(), photo.type(), new Scalar(90, 90, 90, 0));
            if (i != BLANK) {
                int dx = i / 4;
                photo.apply(new Rect(0, 0, photo.cols() - dx, photo.rows()))
                        .copyTo(frame.apply(new Rect(dx, 0, photo.cols() - dx, photo.rows())));
            }
            frames.add(frame);
        }
        return frames;
    }

    /** 0.8 s of silence, then 0.8 s of Gaussian noise. */
    private static float[] audio() {
        float[] pcm = new float[(int) (1.6 * MelSpectrogram.SAMPLE_RATE)];
        Random random = new Random(7);
        for (int i = pcm.length / 2; i < pcm.length; i++) {
            pcm[i] = (float) (0.3 * random.nextGaussian());
        }
        return pcm;
    }

    private static Path install(Path dir, long batch) throws IOException {
        OnnxGraph.testLipSyncModel(dir.resolve("test-lipsync.onnx"), batch);
        Files.writeString(dir.resolve("test-lipsync.model.properties"), """
                id=test-lipsync
                name=Test lip-sync
                version=3
                task=lip-sync
                runtime=onnxruntime
                file=test-lipsync.onnx
                maxModelBatch=16
                """);
        return dir;
    }

    private static boolean inside(Rect r, int x, int y) {
        return x >= r.x() && x < r.x() + r.width() && y >= r.y() && y < r.y() + r.height();
    }

    private static double mean(Mat frame, int cx, int cy) {
        double sum = 0;
        try (UByteIndexer px = frame.createIndexer()) {
            for (int y = cy - 2; y <= cy + 2; y++) {
                for (int x = cx - 2; x <= cx + 2; x++) {
                    for (int c = 0; c < 3; c++) {
                        sum += px.get(y, x, c);
                    }
                }
            }
        }
        return sum / 75;
    }

    @ParameterizedTest(name = "batch dimension {0}")
    @ValueSource(longs = {-1, 4})
    void theMouthFollowsTheAudioAndNothingOutsideItOrInAProtectedBoxChanges(long batch, @TempDir Path dir)
            throws IOException {
        ModelRegistry registry = new ModelRegistry(install(dir, batch));
        List<Mat> frames = clip();
        List<Mat> before = frames.stream().map(Mat::clone).toList();
        // Protects the left part of the mouth.
        Rect guard = new Rect(face.x(), face.y() + face.height() / 2, face.width() * 2 / 5, face.height());
        try (LipSync lipSync = new LipSyncModels(registry, () -> faces).open().orElseThrow()) {
            assertEquals("test-lipsync@3", lipSync.modelId());
            assertEquals(batch > 0 ? 4 : 16, ((OnnxLipSync) lipSync).batchSize());
            lipSync.apply(frames, FPS, audio(), List.of(guard));
        }
        int changedFrames = 0;
        for (int i = 0; i < FRAMES; i++) {
            Mat now = frames.get(i);
            Mat was = before.get(i);
            int dx = i / 4;
            // Where the mouth can be: the lower part of the (drifted) face box, its bottom padded.
            Rect mouthArea = new Rect(face.x() + dx - 3, face.y() + face.height() * 2 / 5,
                    face.width() + 6, face.height() * 3 / 4);
            int changed = 0;
            try (UByteIndexer a = now.createIndexer(); UByteIndexer b = was.createIndexer()) {
                for (int y = 0; y < now.rows(); y++) {
                    for (int x = 0; x < now.cols(); x++) {
                        for (int c = 0; c < 3; c++) {
                            if (a.get(y, x, c) != b.get(y, x, c)) {
                                assertTrue(inside(mouthArea, x, y),
                                        "frame " + i + ": pixel " + x + "," + y + " outside the mouth changed");
                                assertFalse(inside(guard, x, y),
                                        "frame " + i + ": protected pixel " + x + "," + y + " changed");
                                changed++;
                            }
                        }
                    }
                }
            }
            if (i == BLANK) {
                assertEquals(0, changed, "a frame without a face is left as it is");
                continue;
            }
            changedFrames += changed > 0 ? 1 : 0;
            // The mouth's centre, right of the protected part: black while silent, bright over the noise.
            int cx = face.x() + dx + face.width() * 3 / 5;
            int cy = face.y() + face.height() * 4 / 5;
            double level = mean(now, cx, cy);
            if (i <= 12) {
                assertTrue(level < 30, "frame " + i + " (silence): mouth level " + level);
            } else if (i >= 22) {
                assertTrue(level > 120, "frame " + i + " (noise): mouth level " + level);
            }
        }
        assertTrue(changedFrames >= FRAMES - 3, "the mouth was regenerated in " + changedFrames + " frames");
    }

    @Test
    void withoutAnInstalledModelThereIsNoLipSyncAndAWrongContractIsRefusedByName(@TempDir Path dir)
            throws IOException {
        assertEquals(Optional.empty(), new LipSyncModels(new ModelRegistry(dir), () -> faces).open());
        wrongContractModel(dir.resolve("bad.onnx"));
        Files.writeString(dir.resolve("bad.model.properties"),
                "id=bad-lipsync\ntask=lip-sync\nruntime=onnxruntime\nfile=bad.onnx\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new LipSyncModels(new ModelRegistry(dir), () -> faces).open());
        assertTrue(e.getMessage().contains("bad-lipsync") && e.getMessage().contains("[N,6,96,96]"), e.getMessage());
    }

    @Test
    void aLipSyncModelIsNeverADetector(@TempDir Path dir) throws IOException {
        ModelRegistry registry = new ModelRegistry(install(dir, -1));
        assertTrue(registry.find("test-lipsync").isPresent());
        assertFalse(registry.isDetector("test-lipsync"));
        assertTrue(registry.isDetector("haar-face"));
        // What the heartbeat advertises for detection routing: the detectors, not the installed lip-sync model.
        assertTrue(registry.isActive("test-lipsync"));
        assertFalse(registry.activeDetectorIds().contains("test-lipsync"), registry.activeDetectorIds().toString());
        assertTrue(registry.activeDetectorIds().contains("haar-face"), registry.activeDetectorIds().toString());
        assertFalse(registry.defaultModelId().orElseThrow().equals("test-lipsync"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DetectorFactory(registry, ComputeDevice.cpuOnly().kernels())
                        .load(registry.find("test-lipsync").orElseThrow()));
        assertTrue(e.getMessage().contains("not a detector"), e.getMessage());
    }

    /** A model of the wrong contract: a 3-channel face (no masked half). */
    private static void wrongContractModel(Path file) {
        new OnnxGraph()
                .input("mel", -1, 1, 80, 16)
                .input("vid", -1, 3, 96, 96)
                .output("out", -1, 3, 96, 96)
                .floats("zero", new long[0], 0f)
                .node("Mul", List.of("vid", "zero"), "out")
                .write(file);
    }
}
