package io.framegrid.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.multipart.AggregatedMultipart;
import com.linecorp.armeria.common.stream.StreamMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A form cut into pieces at every possible place reads back whole through {@link Multiparts}: each field once, with
 * its own bytes. Cuts just after a delimiter are the ones Armeria's parser alone merges two parts at.
 */
class MultipartsTest {
    private static final String BOUNDARY = "----framegridtest";
    private static final byte[] BODY = form();

    @Test
    void aBodyCutInTwoAnywhereReadsBackAsItsThreeFields() {
        for (int cut = 1; cut < BODY.length; cut++) {
            assertThat(parts(Arrays.copyOfRange(BODY, 0, cut), Arrays.copyOfRange(BODY, cut, BODY.length)))
                    .as("cut at %d", cut).containsExactly("a=" + "x".repeat(40), "b=" + "y".repeat(30), "c=zz");
        }
    }

    @Test
    void aBodyCutInThreeAroundEachDelimiterReadsBackAsItsThreeFields() {
        String text = new String(BODY, StandardCharsets.ISO_8859_1);
        for (int at = text.indexOf("\r\n--"); at >= 0; at = text.indexOf("\r\n--", at + 1)) {
            int end = at + 2 + 2 + BOUNDARY.length();
            for (int first = at - 1; first <= end + 1; first++) {
                for (int second = first + 1; second <= Math.min(BODY.length - 1, end + 3); second++) {
                    assertThat(parts(Arrays.copyOfRange(BODY, 0, first), Arrays.copyOfRange(BODY, first, second),
                            Arrays.copyOfRange(BODY, second, BODY.length)))
                            .as("cuts at %d and %d", first, second)
                            .containsExactly("a=" + "x".repeat(40), "b=" + "y".repeat(30), "c=zz");
                }
            }
        }
    }

    @Test
    void aBodyInPiecesOfAnyOneSizeReadsBackAsItsThreeFields() {
        for (int size = 1; size <= 48; size++) {
            List<byte[]> pieces = new ArrayList<>();
            for (int from = 0; from < BODY.length; from += size) {
                pieces.add(Arrays.copyOfRange(BODY, from, Math.min(BODY.length, from + size)));
            }
            assertThat(parts(pieces.toArray(byte[][]::new))).as("pieces of %d bytes", size)
                    .containsExactly("a=" + "x".repeat(40), "b=" + "y".repeat(30), "c=zz");
        }
    }

    /** Why the guard exists; when an Armeria upgrade makes this fail, the parser is fixed and the guard can go. */
    @Test
    void armeriasParserAloneMergesTwoPartsWhenAPieceEndsJustAfterADelimiter() {
        int cut = new String(BODY, StandardCharsets.ISO_8859_1).indexOf("\r\n--" + BOUNDARY) + 4 + BOUNDARY.length();
        HttpRequest req = HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/")
                .contentType(MediaType.parse("multipart/form-data; boundary=" + BOUNDARY)).build(),
                StreamMessage.of(HttpData.wrap(Arrays.copyOfRange(BODY, 0, cut)),
                        HttpData.wrap(Arrays.copyOfRange(BODY, cut, BODY.length))));
        AggregatedMultipart form = com.linecorp.armeria.common.multipart.Multipart.from(req).aggregate().join();
        assertThat(form.bodyParts()).hasSize(2);
        assertThat(parts(Arrays.copyOfRange(BODY, 0, cut), Arrays.copyOfRange(BODY, cut, BODY.length))).hasSize(3);
    }

    @Test
    void aRequestThatIsNotMultipartIsPassedOnAsItIs() {
        HttpRequest json = HttpRequest.of(HttpMethod.POST, "/", MediaType.JSON_UTF_8, "{}");
        assertThat(Multiparts.guarded(json)).isSameAs(json);
    }

    private static List<String> parts(byte[]... pieces) {
        HttpData[] data = Arrays.stream(pieces).map(HttpData::wrap).toArray(HttpData[]::new);
        HttpRequest req = HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/")
                .contentType(MediaType.parse("multipart/form-data; boundary=" + BOUNDARY)).build(),
                StreamMessage.of(data));
        AggregatedMultipart form = Multiparts.from(req).aggregate().join();
        List<String> out = new ArrayList<>();
        form.bodyParts().forEach(p -> out.add(p.name() + "=" + p.contentUtf8()));
        return out;
    }

    private static byte[] form() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] field : new String[][] {{"a", "x".repeat(40)}, {"b", "y".repeat(30)}, {"c", "zz"}}) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field[0] + "\"\r\n\r\n"
                    + field[1] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
