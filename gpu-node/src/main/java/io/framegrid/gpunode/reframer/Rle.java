package io.framegrid.gpunode.reframer;

import java.nio.ByteBuffer;

/**
 * The reframer spec's mask encoding: comma-separated run lengths over the frame in row-major order,
 * alternating zeros and ones and always starting with a (possibly empty) run of zeros.
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

    /** Decodes back to one boolean per pixel, exactly as the spec's Python {@code decode_rle}. */
    public static boolean[] decode(String rle) {
        String[] parts = rle.split(",");
        long total = 0;
        for (String p : parts) {
            total += Long.parseLong(p.trim());
        }
        boolean[] out = new boolean[Math.toIntExact(total)];
        int at = 0;
        boolean value = false;
        for (String p : parts) {
            int count = Integer.parseInt(p.trim());
            if (value) {
                java.util.Arrays.fill(out, at, at + count, true);
            }
            at += count;
            value = !value;
        }
        return out;
    }

    /** The encoded mask and its area in pixels (the number of ones). */
    public record Encoded(String counts, long area) {}
}
