package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Formats and sizes read from image headers: real JPEG and PNG files, a BMP written here, WebP headers. */
class ImageHeaderTest {
    private static byte[] shared(String name) throws Exception {
        return Files.readAllBytes(SharedFiles.media("images/" + name));
    }

    @Test
    void readsJpegAndPngSizes() throws Exception {
        assertThat(ImageHeader.read(shared("dog.jpg"))).contains(new ImageHeader("jpeg", 768, 576));
        assertThat(ImageHeader.read(shared("kite.jpg"))).contains(new ImageHeader("jpeg", 1352, 900));
        assertThat(ImageHeader.read(shared("basketball1.png"))).contains(new ImageHeader("png", 640, 480));
    }

    @Test
    void readsBmpSizes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(33, 17, BufferedImage.TYPE_3BYTE_BGR), "bmp", out);
        assertThat(ImageHeader.read(out.toByteArray())).contains(new ImageHeader("bmp", 33, 17));
    }

    @Test
    void readsTheThreeWebpHeaders() {
        // Lossless: 14-bit width-1 and height-1 after the 0x2f signature.
        long bits = (300 - 1) | ((long) (200 - 1) << 14);
        ByteBuffer lossless = riff("VP8L", 5).put((byte) 0x2f).putInt((int) bits);
        assertThat(ImageHeader.read(lossless.array())).contains(new ImageHeader("webp", 300, 200));
        // Lossy: a key frame's start code, then 14-bit width and height.
        ByteBuffer lossy = riff("VP8 ", 10).put(new byte[] {0, 0, 0, (byte) 0x9d, 0x01, 0x2a})
                .putShort((short) 640).putShort((short) 480);
        assertThat(ImageHeader.read(lossy.array())).contains(new ImageHeader("webp", 640, 480));
        // Extended: 24-bit canvas width-1 and height-1.
        ByteBuffer extended = riff("VP8X", 10).putInt(0).put(new byte[] {(byte) 0xff, 0x0f, 0}).put(new byte[] {0x37, 0x04, 0});
        assertThat(ImageHeader.read(extended.array())).contains(new ImageHeader("webp", 4096, 1080));
    }

    @Test
    void refusesWhatIsNoImageOrIsCutShort() throws Exception {
        assertThat(ImageHeader.read("GIF89a......".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(ImageHeader.read("hello".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(ImageHeader.read(new byte[0])).isEmpty();
        byte[] jpeg = shared("dog.jpg");
        assertThat(ImageHeader.read(java.util.Arrays.copyOf(jpeg, 40))).isEmpty();
        byte[] png = shared("basketball1.png");
        assertThat(ImageHeader.read(java.util.Arrays.copyOf(png, 18))).isEmpty();
    }

    /** A RIFF/WEBP container whose first chunk is {@code chunk}, positioned after the chunk size field. */
    private static ByteBuffer riff(String chunk, int payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(0).put("WEBP".getBytes(StandardCharsets.US_ASCII))
                .put(chunk.getBytes(StandardCharsets.US_ASCII)).putInt(payload);
        return b;
    }
}
