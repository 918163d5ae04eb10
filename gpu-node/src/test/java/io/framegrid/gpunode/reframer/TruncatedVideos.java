package io.framegrid.gpunode.reframer;

import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Test fixture: an AVI whose header declares more frames than the file holds, as a cut download leaves it (and as
 * OpenCV's sample tree.avi is: 444 declared, 68 decodable).
 */
public final class TruncatedVideos {
    private TruncatedVideos() {
    }

    /** A 320×240, 10 fps AVI of {@code frames} frames, cut to {@code keep} of its bytes. */
    public static Path cutAvi(Path dir, int frames, double keep) throws IOException {
        List<Mat> list = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            list.add(new Mat(240, 320, opencv_core.CV_8UC3, new Scalar(i * 3 % 255, 80, 160, 0)));
        }
        Path whole = dir.resolve("whole-" + frames + ".avi");
        new MediaEncoder().encode(whole, VideoEncodeSettings.of("avi"), 10, list, List.of());
        Path cut = dir.resolve("cut-" + frames + ".avi");
        long bytes = (long) (Files.size(whole) * keep);
        try (InputStream in = Files.newInputStream(whole); OutputStream out = Files.newOutputStream(cut)) {
            out.write(in.readNBytes((int) bytes));
        }
        return cut;
    }
}
