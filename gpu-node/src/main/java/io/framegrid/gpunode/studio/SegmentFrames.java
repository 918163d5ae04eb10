package io.framegrid.gpunode.studio;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.proto.studio.StudioContract;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Frames between a studio job's per-range tasks and its mux (GhostCut's erased ranges, pro-sync's rendered pieces): a
 * run of length-prefixed PNGs. Lossless on purpose, so the one H.264 encode of the mux is the only lossy step and the
 * result equals a single-node run's, whichever nodes rendered which ranges.
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

    /**
     * Stores {@code frames} as a media of the job's owner, registered as a {@link StudioContract#SEGMENT_KIND} of
     * {@code jobId}, so the coordinator deletes it when the job ends without the mux having done so; returns its id.
     */
    static String store(MediaLibrary media, String owner, String name, String jobId, List<DecodedFrame> frames)
            throws IOException {
        String id = UUID.randomUUID().toString();
        BlobStore.BlobWriter writer = media.store().create(MediaLibrary.blobKey(owner, id));
        MessageDigest sha = MediaLibrary.sha256();
        long size;
        try {
            try (DataOutputStream out = writer(new DigestOutputStream(new BlobOutput(writer), sha))) {
                for (DecodedFrame f : frames) {
                    write(f.image(), out);
                }
            }
            size = writer.commit();
        } finally {
            writer.close();
        }
        media.register(id, owner, name, "application/octet-stream", size, HexFormat.of().formatHex(sha.digest()),
                Map.of(StudioContract.MEDIA_JOB_ID, jobId, StudioContract.MEDIA_KIND, StudioContract.SEGMENT_KIND));
        return id;
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

    private static final class BlobOutput extends OutputStream {
        private final BlobStore.BlobWriter writer;

        BlobOutput(BlobStore.BlobWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) throws IOException {
            writer.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writer.write(b, off, len);
        }
    }
}
