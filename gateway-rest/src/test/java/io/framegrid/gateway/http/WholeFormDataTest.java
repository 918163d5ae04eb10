package io.framegrid.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WholeFormDataTest {
    private static final String B = "----fgBoundary7MA4YWxkTrZu0gW";

    @Test
    void splitsFieldsInPlaceWithNamesAndFilenames() {
        byte[] bytes = new byte[300_000];
        new Random(7).nextBytes(bytes);
        byte[] body = form(part("chunk_index", null, "12".getBytes(StandardCharsets.UTF_8)),
                part("chunk", "blob \\\"1\\\".bin", bytes));

        WholeFormData form = WholeFormData.parse(body, B);

        assertThat(form.fields()).hasSize(2);
        assertThat(form.field("chunk_index").text()).isEqualTo("12");
        assertThat(form.field("chunk_index").filename()).isNull();
        WholeFormData.Field chunk = form.field("chunk");
        assertThat(chunk.filename()).isEqualTo("blob \"1\".bin");
        assertThat(chunk.body()).isSameAs(body);
        assertThat(Arrays.copyOfRange(body, chunk.offset(), chunk.offset() + chunk.length())).isEqualTo(bytes);
        assertThat(form.field("absent")).isNull();
    }

    @Test
    void contentMayHoldPiecesOfTheDelimiterAndBeEmpty() {
        byte[] tricky = ("--" + B + "\r\n-" + "\r\n--" + B.substring(0, B.length() - 1) + "x")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = form(part("a", null, tricky), part("empty", null, new byte[0]));

        WholeFormData form = WholeFormData.parse(body, B);

        WholeFormData.Field a = form.field("a");
        assertThat(Arrays.copyOfRange(body, a.offset(), a.offset() + a.length())).isEqualTo(tricky);
        assertThat(form.field("empty").length()).isZero();
    }

    @Test
    void preambleUnquotedNamesAndOtherHeadersAreAccepted() {
        String text = "ignored preamble\r\n--" + B + "\r\nContent-Type: text/plain\r\ncontent-disposition: form-data;"
                + " filename=f.txt; name=field\r\n\r\nvalue\r\n--" + B + "--\r\nepilogue";
        WholeFormData form = WholeFormData.parse(text.getBytes(StandardCharsets.UTF_8), B);

        assertThat(form.field("field").text()).isEqualTo("value");
        assertThat(form.field("field").filename()).isEqualTo("f.txt");
    }

    @Test
    void malformedBodiesAreRefused() {
        String ok = "--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx";
        assertMalformed("no boundary at all");
        assertMalformed(ok);
        assertMalformed(ok + "\r\n--" + B);
        assertMalformed("--" + B + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + B + "--");
        assertMalformed("--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n" + "x".repeat(9000));
        assertMalformed("--" + B + "junk\r\n\r\n\r\n--" + B + "--");
        assertThatThrownBy(() -> WholeFormData.parse(new byte[0], ""))
                .isInstanceOf(WholeFormData.MalformedFormException.class);
    }

    private static void assertMalformed(String body) {
        assertThatThrownBy(() -> WholeFormData.parse(body.getBytes(StandardCharsets.UTF_8), B))
                .as(body.length() > 80 ? body.substring(0, 80) : body)
                .isInstanceOf(WholeFormData.MalformedFormException.class);
    }

    private static byte[] part(String name, String filename, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + B + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream")
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] form(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        out.writeBytes(("--" + B + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
