package io.framegrid.gpunode.engine.motion;

import static org.bytedeco.opencv.global.opencv_core.BORDER_WRAP;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.remap;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * A synthetic dashcam clip for the speed estimator's accuracy test and benchmark: a camera {@value #CAMERA_HEIGHT_M} m above a flat ground plane textured
 * with a real photo (tiled, {@value #TEXTURE_PX_PER_M} texture pixels per metre), looking straight ahead, moving
 * forward by each frame's speed / fps; the sky above the horizon is plain. Each frame is a per-pixel perspective
 * warp (ground row → distance {@code h·f/(y − horizon)}) of the texture, encoded with FFmpeg (MPEG-4 part 2).
 */
public final class DashcamClip {
    public static final double CAMERA_HEIGHT_M = 1.4;
    public static final double TEXTURE_PX_PER_M = 100;

    private DashcamClip() {
    }

    /** Renders {@code speeds} (m/s, one per frame) at {@code fps} into {@code out} ({@code width × height}). */
    public static void render(Path texturePath, List<Double> speeds, int fps, int width, int height, Path out)
            throws Exception {
        Mat texture = imread(texturePath.toString());
        if (texture.empty()) {
            throw new IllegalArgumentException("Cannot read " + texturePath);
        }
        int tw = texture.cols();
        int th = texture.rows();
        double focal = width / 2.0 / Math.tan(Math.toRadians(35)); // 70 degrees across
        int horizon = height / 2;
        int groundRows = height - horizon - 1;
        int first = horizon + 1;
        // Per-pixel ground coordinates (metres), fixed; only the distance travelled changes per frame.
        double[] forward = new double[groundRows * width];
        double[] lateral = new double[groundRows * width];
        for (int r = 0; r < groundRows; r++) {
            double z = CAMERA_HEIGHT_M * focal / (first + r - horizon + 0.5);
            for (int x = 0; x < width; x++) {
                forward[r * width + x] = z;
                lateral[r * width + x] = (x - width / 2.0 + 0.5) * z / focal;
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toFile(), width, height, 0);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                Mat mapX = new Mat(groundRows, width, CV_32FC1);
                Mat mapY = new Mat(groundRows, width, CV_32FC1);
                Mat ground = new Mat();
                Mat frame = new Mat(height, width, texture.type(), new Scalar(200, 170, 140, 0))) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            recorder.setVideoQuality(2);
            recorder.setFrameRate(fps);
            recorder.start();
            FloatBuffer mx = mapX.createBuffer();
            FloatBuffer my = mapY.createBuffer();
            double travelled = 0;
            for (double speed : speeds) {
                for (int i = 0; i < forward.length; i++) {
                    mx.put(i, (float) wrap(lateral[i] * TEXTURE_PX_PER_M + tw / 2.0, tw));
                    // Further ground is higher in the texture: the camera drives "up" the photo.
                    my.put(i, (float) wrap(-(forward[i] + travelled) * TEXTURE_PX_PER_M, th));
                }
                remap(texture, ground, mapX, mapY, INTER_LINEAR, BORDER_WRAP, new Scalar());
                try (Mat dst = new Mat(frame, new Rect(0, first, width, groundRows))) {
                    ground.copyTo(dst);
                }
                recorder.record(converter.convert(frame));
                travelled += speed / fps;
            }
            recorder.stop();
        }
        texture.close();
    }

    private static double wrap(double v, int size) {
        double m = v % size;
        return m < 0 ? m + size : m;
    }
}
