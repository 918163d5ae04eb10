package io.framegrid.gpunode.studio;

import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.MatBytes;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A short real clip with burned-in text whose clean frames are known (the studio's tests in gateway-rest and the
 * launcher's failover test share it): vtest.avi frames (still camera) scaled to 320×180 at 10 fps, a subtitle burned
 * inside {@link #TEXT} on frames {@link #TEXT_FIRST}..{@link #TEXT_LAST} and again 60 frames later (when the clip is
 * that long), and a sine tone as its audio track, so the text removal has real background to recover and audio to
 * keep.
 */
public final class TextClip {
    public static final int WIDTH = 320;
    public static final int HEIGHT = 180;
    public static final int FPS = 10;
    public static final int TEXT_FIRST = 15;
    public static final int TEXT_LAST = 44;
    /** Frames between the subtitle's first and second showing. */
    public static final int REPEAT = 60;
    /** The subtitle's area {x, y, w, h} (the text lies inside it). */
    public static final int[] TEXT = {40, 130, 240, 36};

    public final List<Mat> clean;
    public final Path file;
    public final int frames;

    private TextClip(List<Mat> clean, Path file) {
        this.clean = clean;
        this.file = file;
        this.frames = clean.size();
    }

    /** Writes a clip of {@code frames} frames ({@code subtitled.mp4}, with {@code tone.wav}) into {@code dir}. */
    public static TextClip write(Path dir, int frames) throws IOException {
        List<Mat> clean = new ArrayList<>();
        List<Mat> burned = new ArrayList<>();
        for (DecodedFrame f : new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"),
                FrameSampling.range(0, frames))) {
            Mat small = new Mat();
            resize(f.image(), small, new Size(WIDTH, HEIGHT));
            clean.add(small);
            Mat b = small.clone();
            if (f.index() >= TEXT_FIRST && f.index() <= TEXT_LAST || f.index() >= TEXT_FIRST + REPEAT
                    && f.index() <= TEXT_LAST + REPEAT) {
                putText(b, "HELLO WORLD", new Point(52, 158), FONT_HERSHEY_SIMPLEX, 0.9, new Scalar(20, 20, 20, 0),
                        5, LINE_AA, false);
                putText(b, "HELLO WORLD", new Point(52, 158), FONT_HERSHEY_SIMPLEX, 0.9,
                        new Scalar(245, 245, 245, 0), 2, LINE_AA, false);
            }
            burned.add(b);
        }
        Path tone = dir.resolve("tone.wav");
        Files.write(tone, wav(frames / (double) FPS, 22050));
        Path file = dir.resolve("subtitled.mp4");
        new MediaEncoder().encode(file, VideoEncodeSettings.mp4(), FPS, burned, List.of(tone));
        return new TextClip(clean, file);
    }

    /** Decoded frames of a video. */
    public static List<Mat> frames(Path video) {
        return new MediaDecoder().decodeToList(video, FrameSampling.all()).stream().map(DecodedFrame::image).toList();
    }

    /** PSNR (dB) of whole frame {@code i} of {@code a} against {@code b}. */
    public static double framePsnr(List<Mat> a, List<Mat> b, int i) {
        return psnr(a, b, i, i, new int[] {0, 0, WIDTH, HEIGHT}, true, 0);
    }

    /**
     * PSNR (dB) of {@code a} against {@code b} over frames {@code first..last}, counting the pixels inside
     * {@code box} {x, y, w, h} (inside = true) or outside it grown by {@code margin} (inside = false).
     */
    public static double psnr(List<Mat> a, List<Mat> b, int first, int last, int[] box, boolean inside, int margin) {
        double se = 0;
        long n = 0;
        for (int i = first; i <= last; i++) {
            byte[] x = MatBytes.bgr(a.get(i));
            byte[] y = MatBytes.bgr(b.get(i));
            for (int py = 0; py < HEIGHT; py++) {
                for (int px = 0; px < WIDTH; px++) {
                    boolean in = px >= box[0] && px < box[0] + box[2] && py >= box[1] && py < box[1] + box[3];
                    boolean near = px >= box[0] - margin && px < box[0] + box[2] + margin && py >= box[1] - margin
                            && py < box[1] + box[3] + margin;
                    if (inside ? in : !near) {
                        int p = (py * WIDTH + px) * 3;
                        for (int c = 0; c < 3; c++) {
                            double d = (x[p + c] & 0xff) - (y[p + c] & 0xff);
                            se += d * d;
                        }
                        n += 3;
                    }
                }
            }
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (se / n));
    }

    private static byte[] wav(double seconds, int rate) {
        int samples = (int) Math.round(seconds * rate);
        ByteBuffer pcm = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            pcm.putShort((short) (8000 * Math.sin(2 * Math.PI * 440 * i / rate)));
        }
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt(36 + samples * 2).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2).putShort((short) 2)
                .putShort((short) 16).put("data".getBytes()).putInt(samples * 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.writeBytes(pcm.array());
        return out.toByteArray();
    }
}
