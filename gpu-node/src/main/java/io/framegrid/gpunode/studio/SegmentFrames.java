package io.framegrid.gpunode.studio;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.framegrid.gpunode.media.MediaException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Cleaned frames between GhostCut's erase and mux tasks: a run of length-prefixed PNGs. Lossless on purpose, so the
 * one H.264 encode of the mux is the only lossy step and the result equals a single-node run's, whichever nodes
 * erased which ranges.
 */
final class SegmentFrames {
    private SegmentFrames() {
    }

    static void write(Mat bgr, DataOutputStream out) throws IOException {
        try (BytePointer buf = new BytePointer()) {
            if (!imencode(".png", bgr, buf)) {
                throw new MediaException("PNG encoding failed");
            }
            byte[] bytes = new byte[(int) buf.limit()];
            buf.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    static DataOutputStream writer(OutputStream out) {
        return new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16));
    }

    /** The next frame of {@code in}, or null at its end. */
    static Mat read(DataInputStream in) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException end) {
            return null;
        }
        if (length <= 0 || length > (256 << 20)) {
            throw new IOException("corrupt segment: frame of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        Mat decoded = imdecode(new Mat(new BytePointer(bytes)), IMREAD_COLOR);
        if (decoded == null || decoded.empty()) {
            throw new IOException("corrupt segment: a frame does not decode");
        }
        return decoded;
    }

    static DataInputStream reader(InputStream in) {
        return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    }
}
