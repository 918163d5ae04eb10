package io.framegrid.gpunode.media;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Converts decoded pictures (any pixel format) to 8-bit BGR with swscale, into one reused {@link Mat}: the call
 * JavaCV's grabber makes in COLOR mode (same size, bilinear flags), done here so that it can run on another thread
 * than the decoding. Not thread-safe; the returned Mat is valid until the next call or {@link #close}.
 */
final class BgrConverter implements AutoCloseable {
    private SwsContext sws;
    private Mat bgr;
    // swscale reads four plane pointers and strides whatever the format (BGR24 uses the first).
    private final PointerPointer<?> dst = new PointerPointer<>(4);
    private final IntPointer dstStride = new IntPointer(4);

    Mat convert(AVFrame picture) throws FrameGrabber.Exception {
        int width = picture.width();
        int height = picture.height();
        sws = swscale.sws_getCachedContext(sws, width, height, picture.format(), width, height, AV_PIX_FMT_BGR24,
                swscale.SWS_BILINEAR, null, null, (DoublePointer) null);
        if (sws == null) {
            throw new FrameGrabber.Exception("sws_getCachedContext() error: cannot convert the frame to BGR");
        }
        if (bgr == null || bgr.cols() != width || bgr.rows() != height) {
            if (bgr != null) {
                bgr.release();
            }
            bgr = new Mat(height, width, CV_8UC3);
            dst.put(0, bgr.data());
            dstStride.put(0, (int) bgr.step());
        }
        // An AVFrame starts with its data[8] array: the frame's address is its plane pointer array.
        swscale.sws_scale(sws, new PointerPointer<>(picture), picture.linesize(), 0, height, dst, dstStride);
        return bgr;
    }

    @Override
    public void close() {
        if (sws != null) {
            swscale.sws_freeContext(sws);
            sws = null;
        }
        if (bgr != null) {
            bgr.release();
            bgr = null;
        }
        dst.close();
        dstStride.close();
    }
}
