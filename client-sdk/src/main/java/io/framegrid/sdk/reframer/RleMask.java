package io.framegrid.sdk.reframer;

import io.framegrid.proto.reframer.v1.SegmentationMask;

/**
 * The spec's run-length masks: comma-separated run lengths over the row-major pixels, alternating zeros and ones
 * and starting with zeros ({@code "3,5,10,2"} = 3 zeros, 5 ones, 10 zeros, 2 ones).
 *
 * <p>The one decoder of the format in the project (nodes only encode). Follows the spec's prose, not its Python snippet, which appends {@code is_zero} and so yields the inverse.
 */
public final class RleMask {
    private RleMask() {}

    /** {@code mask} over its {@code width × height} frame (the results' metadata), one flag per pixel, row-major. */
    public static boolean[] decode(SegmentationMask mask, int width, int height) {
        return decode(mask.getMaskRle(), (long) width * height);
    }

    /** One flag per pixel, true inside the mask; the runs must cover exactly {@code pixels}. */
    public static boolean[] decode(String rle, long pixels) {
        if (pixels < 0 || pixels > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Cannot hold a mask of " + pixels + " pixels in one array");
        }
        boolean[] mask = new boolean[(int) pixels];
        int at = 0;
        boolean ones = false;
        for (long run : runs(rle)) {
            if (run > pixels - at) {
                throw new IllegalArgumentException("RLE runs exceed the frame's " + pixels + " pixels");
            }
            if (ones) {
                java.util.Arrays.fill(mask, at, at + (int) run, true);
            }
            at += (int) run;
            ones = !ones;
        }
        if (at != pixels) {
            throw new IllegalArgumentException("RLE runs cover " + at + " of the frame's " + pixels + " pixels");
        }
        return mask;
    }

    /** As {@link #decode}, one byte per pixel (1 inside the mask, 0 outside), e.g. to wrap in an image. */
    public static byte[] decodeBytes(String rle, long pixels) {
        boolean[] mask = decode(rle, pixels);
        byte[] bytes = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) {
            bytes[i] = mask[i] ? (byte) 1 : 0;
        }
        return bytes;
    }

    /** How many pixels the mask covers (the spec's {@code mask_area_pixels}), without expanding it. */
    public static long area(String rle) {
        long area = 0;
        boolean ones = false;
        for (long run : runs(rle)) {
            if (ones) {
                area += run;
            }
            ones = !ones;
        }
        return area;
    }

    private static long[] runs(String rle) {
        if (rle == null || rle.isBlank()) {
            return new long[0];
        }
        String[] parts = rle.split(",");
        long[] runs = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                runs[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("RLE run '" + parts[i] + "' is not a number");
            }
            if (runs[i] < 0) {
                throw new IllegalArgumentException("RLE run " + runs[i] + " is negative");
            }
        }
        return runs;
    }
}
