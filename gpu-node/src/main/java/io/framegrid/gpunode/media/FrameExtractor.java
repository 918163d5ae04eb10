package io.framegrid.gpunode.media;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** Writes sampled frames as image files and makes thumbnails. */
public final class FrameExtractor {

    /** Still-image formats OpenCV writes. */
    public enum ImageFormat {
        JPEG("jpg"), PNG("png");

        final String extension;

        ImageFormat(String extension) {
            this.extension = extension;
        }
    }

    private final MediaDecoder decoder;

    public FrameExtractor(MediaDecoder decoder) {
        this.decoder = decoder;
    }

    /** Writes each sampled frame to {@code outDir/frame_000123.jpg} (or .png) and returns the files in order. */
    public List<Path> extract(Path video, FrameSampling sampling, Path outDir, ImageFormat format) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new MediaException("cannot create " + outDir, e);
        }
        List<Path> files = new ArrayList<>();
        decoder.decode(video, sampling, frame -> {
            Path file = outDir.resolve(String.format(Locale.ROOT, "frame_%06d.%s", frame.index(), format.extension));
            if (!imwrite(file.toString(), frame.image())) {
                throw new MediaException("cannot write " + file);
            }
            files.add(file);
            return true;
        });
        return files;
    }

    /** A JPEG of the frame at {@code atMicros}, scaled down to at most {@code maxWidth} pixels wide. */
    public byte[] thumbnail(Path video, long atMicros, int maxWidth) {
        Mat[] picked = new Mat[1];
        decoder.decode(video, FrameSampling.atTimestamps(List.of(atMicros)), frame -> {
            picked[0] = frame.image().clone();
            return false;
        });
        if (picked[0] == null) {
            // Past the end: fall back to the first frame rather than failing a thumbnail.
            decoder.decode(video, FrameSampling.range(0, 1), frame -> {
                picked[0] = frame.image().clone();
                return false;
            });
        }
        if (picked[0] == null) {
            throw new MediaException("no frame to make a thumbnail of in " + video);
        }
        return encodeJpeg(scaleToWidth(picked[0], maxWidth), 85);
    }

    /** JPEG bytes of a BGR image. */
    public static byte[] encodeJpeg(Mat bgr, int quality) {
        try (BytePointer buf = new BytePointer()) {
            if (!imencode(".jpg", bgr, buf, new IntPointer(IMWRITE_JPEG_QUALITY, quality))) {
                throw new MediaException("JPEG encoding failed");
            }
            byte[] bytes = new byte[(int) buf.limit()];
            buf.get(bytes);
            return bytes;
        }
    }

    private static Mat scaleToWidth(Mat image, int maxWidth) {
        if (image.cols() <= maxWidth) {
            return image;
        }
        int height = Math.max(1, (int) Math.round(image.rows() * (double) maxWidth / image.cols()));
        Mat out = new Mat();
        resize(image, out, new Size(maxWidth, height), 0, 0, INTER_AREA);
        return out;
    }
}
