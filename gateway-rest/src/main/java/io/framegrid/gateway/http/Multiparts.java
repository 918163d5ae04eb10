package io.framegrid.gateway.http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.common.stream.StreamDecoder;
import com.linecorp.armeria.common.stream.StreamDecoderInput;
import com.linecorp.armeria.common.stream.StreamDecoderOutput;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Multipart request bodies cut so that Armeria's parser reads every part. Armeria 1.36's {@code MimeParser} takes a
 * delimiter ({@code CRLF--boundary}) that a body piece ends with, or ends one byte after, for part content: the next
 * part is silently merged into the one before it (a form field lost, a file swallowing the next file). Where a body is
 * cut into pieces is up to the client and the network (the JDK client's HTTP/1.1 body did it to the pro-sync form),
 * so every multipart route reads its body through {@link #from(HttpRequest)}, or, where Armeria parses the form for an
 * annotated parameter, is decorated with {@link #guard}. Piece boundaries move, the bytes do not: a piece ending in
 * the start of a delimiter, or within two bytes after a whole one, gives that tail to the next piece, so at most a
 * delimiter and one byte wait for the next piece (or the body's end).
 */
public final class Multiparts {
    private Multiparts() {
    }

    /** {@link Multipart#from(HttpRequest)} over {@code req} with its body re-cut as above. */
    public static Multipart from(HttpRequest req) {
        return Multipart.from(guarded(req));
    }

    /** A decorator giving the service the request with its body re-cut when it is multipart with a boundary. */
    public static HttpResponse guard(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
            throws Exception {
        return delegate.serve(ctx, guarded(req));
    }

    /** {@code req} with its body re-cut when it is multipart with a boundary; otherwise {@code req} itself. */
    static HttpRequest guarded(HttpRequest req) {
        String boundary = boundary(req.contentType());
        if (boundary == null) {
            return req;
        }
        // Trailers carry nothing a form needs; the parser reads data only.
        return HttpRequest.of(req.headers(), req.filter(HttpData.class::isInstance).map(HttpData.class::cast)
                .decode(new DelimiterSafePieces(boundary)));
    }

    private static String boundary(MediaType type) {
        if (type == null || !type.isMultipart()) {
            return null;
        }
        List<String> values = type.parameters().get("boundary");
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    /** Passes bytes on as they come, holding back a delimiter that has fewer than two bytes after it so far. */
    static final class DelimiterSafePieces implements StreamDecoder<HttpData, HttpData> {
        private final byte[] delimiter;

        DelimiterSafePieces(String boundary) {
            this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public ByteBuf toByteBuf(HttpData in) {
            return in.byteBuf();
        }

        @Override
        public void process(StreamDecoderInput in, StreamDecoderOutput<HttpData> out) {
            emit(in, out, safeLength(in));
        }

        @Override
        public void processOnComplete(StreamDecoderInput in, StreamDecoderOutput<HttpData> out) {
            emit(in, out, in.readableBytes());
        }

        /**
         * The readable bytes, less the tail from which on they are the start of a delimiter, or a whole delimiter
         * and at most one byte after it: a delimiter is never split between two pieces, and never ends a piece.
         * Each cut back can expose the other case (a held-back CRLF leaves a delimiter ending the piece), so both
         * are checked until neither applies.
         */
        int safeLength(StreamDecoderInput in) {
            int length = in.readableBytes();
            for (boolean cut = true; cut && length > 0; ) {
                cut = false;
                for (int start = Math.max(0, length - delimiter.length + 1); start < length; start++) {
                    if (matches(in, start, length - start)) {
                        length = start;
                        cut = true;
                        break;
                    }
                }
                for (int start = Math.max(0, length - delimiter.length - 1); start <= length - delimiter.length; start++) {
                    if (matches(in, start, delimiter.length)) {
                        length = start;
                        cut = true;
                        break;
                    }
                }
            }
            return length;
        }

        /** Whether the {@code count} bytes from {@code start} are the delimiter's first {@code count}. */
        private boolean matches(StreamDecoderInput in, int start, int count) {
            for (int i = 0; i < count; i++) {
                if (in.getByte(start + i) != delimiter[i]) {
                    return false;
                }
            }
            return true;
        }

        private static void emit(StreamDecoderInput in, StreamDecoderOutput<HttpData> out, int length) {
            if (length > 0) {
                // The input's own buffers, sliced (copied only where the piece spans two of them): the multipart
                // decoder downstream releases what it reads, as it does the request's pooled data.
                out.add(HttpData.wrap(in.readBytes(length)));
            }
        }
    }
}
