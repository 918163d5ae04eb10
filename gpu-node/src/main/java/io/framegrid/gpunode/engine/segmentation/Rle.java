package io.framegrid.gpunode.engine.segmentation;

import java.nio.ByteBuffer;

/**
 * Run-length mask encoding (the reframer's {@code mask_rle}): comma-separated run lengths over the frame in
 * row-major order, alternating zeros and ones and always starting with a (possibly empty) run of zeros. Decoding is
 * the client's business ({@code io.framegrid.sdk.reframer.RleMask}); nothing on a node reads masks back.
 */
public final class Rle {
    private Rle() {
    }

    /** Encodes a {@code width × height} mask (non-zero = object) whose bytes are row-major. */
    public static Encoded encode(ByteBuffer mask, int width, int height) {
        StringBuilder sb = new StringBuilder();
        long area = 0;
        boolean ones = false;
        long run = 0;
        int n = width * height;
        for (int i = 0; i < n; i++) {
            boolean v = mask.get(i) != 0;
            if (v != ones) {
                append(sb, run);
                ones = v;
                run = 0;
            }
            run++;
            if (v) {
                area++;
            }
        }
        append(sb, run);
        return new Encoded(sb.toString(), area);
    }

    private static void append(StringBuilder sb, long run) {
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(run);
    }

    /** The encoded mask and its area in pixels (the number of ones). */
    public record Encoded(String counts, long area) {}
}
