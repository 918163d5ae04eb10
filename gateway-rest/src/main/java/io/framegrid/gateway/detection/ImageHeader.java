package io.framegrid.gateway.detection;

import java.util.Optional;

/**
 * The format and pixel size of an uploaded image, read from its first bytes (never decoded here): JPEG, PNG, WebP or
 * BMP. The gateway refuses anything else, and images whose header promises more pixels than allowed, before a byte is
 * stored; a file whose header is fine but whose body is corrupt fails on the gpu-node, as a failed detection.
 */
public record ImageHeader(String format, long width, long height) {
    /** Width times height. */
    public long pixels() {
        return width * height;
    }

    /** The header of {@code data}, or empty when it is none of the four formats or its size cannot be read. */
    public static Optional<ImageHeader> read(byte[] data) {
        try {
            if (starts(data, 0xFF, 0xD8, 0xFF)) {
                return jpeg(data);
            }
            if (starts(data, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
                return sized("png", be32(data, 16), be32(data, 20));
            }
            if (starts(data, 'B', 'M')) {
                return bmp(data);
            }
            if (starts(data, 'R', 'I', 'F', 'F') && ascii(data, 8, "WEBP")) {
                return webp(data);
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            // A header cut short is no image.
        }
        return Optional.empty();
    }

    private static Optional<ImageHeader> jpeg(byte[] d) {
        int i = 2;
        while (i + 3 < d.length) {
            if ((d[i] & 0xFF) != 0xFF) {
                return Optional.empty();
            }
            int marker = d[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2; // markers without a length
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                return Optional.empty(); // end of image, or scan data, before any frame header
            }
            int length = be16(d, i + 2);
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame) {
                return sized("jpeg", be16(d, i + 7), be16(d, i + 5));
            }
            if (length < 2) {
                return Optional.empty();
            }
            i += 2 + length;
        }
        return Optional.empty();
    }

    private static Optional<ImageHeader> bmp(byte[] d) {
        long dib = le32(d, 14);
        if (dib == 12) {
            return sized("bmp", le16(d, 18), le16(d, 20));
        }
        if (dib < 40) {
            return Optional.empty();
        }
        // Height is negative for top-down bitmaps.
        return sized("bmp", (int) le32(d, 18), Math.abs((long) (int) le32(d, 22)));
    }

    private static Optional<ImageHeader> webp(byte[] d) {
        if (ascii(d, 12, "VP8 ")) {
            if (!at(d, 23, 0x9D, 0x01, 0x2A)) {
                return Optional.empty();
            }
            return sized("webp", le16(d, 26) & 0x3FFF, le16(d, 28) & 0x3FFF);
        }
        if (ascii(d, 12, "VP8L")) {
            if ((d[20] & 0xFF) != 0x2F) {
                return Optional.empty();
            }
            long bits = le32(d, 21);
            return sized("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        if (ascii(d, 12, "VP8X")) {
            return sized("webp", le24(d, 24) + 1, le24(d, 27) + 1);
        }
        return Optional.empty();
    }

    private static Optional<ImageHeader> sized(String format, long width, long height) {
        return width > 0 && height > 0 ? Optional.of(new ImageHeader(format, width, height)) : Optional.empty();
    }

    private static boolean starts(byte[] d, int... bytes) {
        return at(d, 0, bytes);
    }

    private static boolean at(byte[] d, int at, int... bytes) {
        if (d.length < at + bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if ((d[at + i] & 0xFF) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(byte[] d, int at, String text) {
        return at(d, at, text.chars().toArray());
    }

    private static int be16(byte[] d, int at) {
        return (d[at] & 0xFF) << 8 | (d[at + 1] & 0xFF);
    }

    private static long be32(byte[] d, int at) {
        return ((long) be16(d, at) << 16) | be16(d, at + 2);
    }

    private static int le16(byte[] d, int at) {
        return (d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8;
    }

    private static long le24(byte[] d, int at) {
        return le16(d, at) | (long) (d[at + 2] & 0xFF) << 16;
    }

    private static long le32(byte[] d, int at) {
        return le24(d, at) | (long) (d[at + 3] & 0xFF) << 24;
    }
}
