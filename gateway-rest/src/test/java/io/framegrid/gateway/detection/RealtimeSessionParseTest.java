package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** How one WebSocket message is read: what counts as a frame, and which error each kind of bad message gets. */
class RealtimeSessionParseTest {
    private static final byte[] PNG = DetectionJobsTest.pngHeader(64, 48);
    private static final String B64 = Base64.getEncoder().encodeToString(PNG);

    private static RealtimeSession.Parsed parse(String message) {
        return RealtimeSession.parse(message.getBytes(StandardCharsets.UTF_8), 1_000_000);
    }

    @Test
    void aFrameIsItsDecodedImageWhateverTheFieldOrderAndExtraFields() {
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + B64 + "\"}").image()).isEqualTo(PNG);
        assertThat(parse("{\"data\":\"" + B64 + "\",\"extra\":{\"a\":[1,2]},\"type\":\"frame\"}").image())
                .isEqualTo(PNG);
    }

    @Test
    void aDataUrlAndLineBrokenBase64AreAccepted() {
        assertThat(parse("{\"type\":\"frame\",\"data\":\"data:image/png;base64," + B64 + "\"}").image())
                .isEqualTo(PNG);
        String broken = Base64.getMimeEncoder().encodeToString(PNG).replace("\r\n", "\\r\\n");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + broken + "\"}").image()).isEqualTo(PNG);
    }

    @Test
    void brokenJsonIsInvalidJsonWhereverItBreaks() {
        assertThat(parse("not json").code()).isEqualTo("INVALID_JSON");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + B64 + "\"").code()).isEqualTo("INVALID_JSON");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + B64 + "\"} }").code()).isEqualTo("INVALID_JSON");
    }

    @Test
    void aMessageThatIsNoFrameIsInvalidMessage() {
        for (String message : new String[] {"", "[1,2]", "\"frame\"", "{\"type\":\"hello\",\"data\":\"" + B64 + "\"}",
                "{\"type\":5}", "{\"data\":\"" + B64 + "\"}"}) {
            RealtimeSession.Parsed parsed = parse(message);
            assertThat(parsed.frame()).as(message).isFalse();
            assertThat(parsed.code()).as(message).isEqualTo("INVALID_MESSAGE");
        }
    }

    @Test
    void aFrameWithoutAnImageIsInvalidFrame() {
        assertThat(parse("{\"type\":\"frame\"}").code()).isEqualTo("INVALID_FRAME");
        assertThat(parse("{\"type\":\"frame\",\"data\":{\"b\":\"" + B64 + "\"}}").code()).isEqualTo("INVALID_FRAME");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + B64 + "\",\"data\":7}").code())
                .as("the last value counts").isEqualTo("INVALID_FRAME");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"QUJD=A\"}").code()).isEqualTo("INVALID_FRAME");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"" + Base64.getEncoder().encodeToString(
                "plain".getBytes(StandardCharsets.UTF_8)) + "\"}").code()).isEqualTo("INVALID_FRAME");
        assertThat(parse("{\"type\":\"frame\",\"data\":\"\u00e9\u4e2d\"}").code()).isEqualTo("INVALID_FRAME");
    }

    @Test
    void aFrameOverThePixelLimitIsImageTooLarge() {
        assertThat(RealtimeSession.parse(("{\"type\":\"frame\",\"data\":\"" + B64 + "\"}")
                .getBytes(StandardCharsets.UTF_8), 64 * 48 - 1).code()).isEqualTo("IMAGE_TOO_LARGE");
    }
}
