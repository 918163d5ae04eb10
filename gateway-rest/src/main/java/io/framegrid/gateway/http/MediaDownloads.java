package io.framegrid.gateway.http;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves a media-store blob over HTTP: GET and HEAD, {@code Range} (one range → 206 with {@code Content-Range},
 * several → 206 {@code multipart/byteranges}, none satisfiable → 416 {@code Content-Range: bytes *}{@code /size}),
 * {@code If-Range} against the sha256 ETag. Bytes stream from the store at the pace the HTTP client reads them,
 * one coordinator message at a time; nothing is buffered whole.
 */
public final class MediaDownloads {
    private MediaDownloads() {}

    /** What is served: its size, content type, sha256 (hex, may be empty) and headers every answer carries. */
    public record Representation(long size, String contentType, String sha256, HttpHeaders extraHeaders) {
        String etag() {
            return sha256 == null || sha256.isEmpty() ? null : "\"" + sha256 + "\"";
        }
    }

    /** Starts a download of {@code length} bytes from {@code offset} into the sink; returns its cancel action. */
    @FunctionalInterface
    public interface Source {
        Runnable download(long offset, long length, MediaAsyncClient.DownloadSink sink);
    }

    /** Answers the request in {@code ctx} (GET or HEAD, with its Range / If-Range) from {@code source}. */
    public static HttpResponse serve(ServiceRequestContext ctx, Representation rep, Source source) {
        long size = rep.size();
        String etag = rep.etag();
        String rangeHeader = ctx.request().headers().get(HttpHeaderNames.RANGE);
        String ifRange = ctx.request().headers().get(HttpHeaderNames.IF_RANGE);
        // If-Range: only a strong match of our ETag keeps the Range; dates and anything else mean "send it all".
        if (rangeHeader != null && ifRange != null && (etag == null || !etag.equals(ifRange.trim()))) {
            rangeHeader = null;
        }
        ByteRanges ranges = ByteRanges.parse(rangeHeader, size);
        if (ranges.outcome() == ByteRanges.Outcome.UNSATISFIABLE) {
            ctx.mutateAdditionalResponseHeaders(h -> h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size));
            throw new ApiException(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "RANGE_NOT_SATISFIABLE",
                    "Range not satisfiable for a file of " + size + " bytes", Map.of("file_size", size));
        }
        boolean head = ctx.method() == HttpMethod.HEAD;
        ResponseHeadersBuilder headers = ResponseHeaders.builder(
                        ranges.outcome() == ByteRanges.Outcome.WHOLE ? HttpStatus.OK : HttpStatus.PARTIAL_CONTENT)
                .add(rep.extraHeaders())
                .set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        if (etag != null) {
            headers.set(HttpHeaderNames.ETAG, etag);
        }
        if (ranges.outcome() == ByteRanges.Outcome.WHOLE) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, rep.contentType()).contentLength(size);
            return respond(headers.build(), head, size == 0 ? List.of() : List.of(Piece.of(0, size)), source);
        }
        List<ByteRanges.Span> spans = ranges.spans();
        if (spans.size() == 1) {
            ByteRanges.Span s = spans.get(0);
            headers.set(HttpHeaderNames.CONTENT_TYPE, rep.contentType())
                    .set(HttpHeaderNames.CONTENT_RANGE, contentRange(s, size))
                    .contentLength(s.length());
            return respond(headers.build(), head, List.of(Piece.of(s.first(), s.length())), source);
        }
        String boundary = "fg-" + UUID.randomUUID().toString().replace("-", "");
        List<Piece> pieces = new ArrayList<>();
        long length = 0;
        for (int i = 0; i < spans.size(); i++) {
            ByteRanges.Span s = spans.get(i);
            byte[] partHeader = ((i == 0 ? "" : "\r\n") + "--" + boundary + "\r\nContent-Type: " + rep.contentType()
                    + "\r\nContent-Range: " + contentRange(s, size) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            pieces.add(Piece.literal(partHeader));
            pieces.add(Piece.of(s.first(), s.length()));
            length += partHeader.length + s.length();
        }
        byte[] closing = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        pieces.add(Piece.literal(closing));
        length += closing.length;
        headers.set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary).contentLength(length);
        return respond(headers.build(), head, pieces, source);
    }

    private static String contentRange(ByteRanges.Span s, long size) {
        return "bytes " + s.first() + "-" + s.last() + "/" + size;
    }

    /** Either literal bytes (a part header) or a range of the blob. */
    private record Piece(byte[] literal, long offset, long length) {
        static Piece of(long offset, long length) {
            return new Piece(null, offset, length);
        }

        static Piece literal(byte[] bytes) {
            return new Piece(bytes, 0, bytes.length);
        }
    }

    private static HttpResponse respond(ResponseHeaders headers, boolean head, List<Piece> pieces, Source source) {
        if (head || pieces.isEmpty()) {
            return HttpResponse.of(headers);
        }
        HttpResponseWriter out = HttpResponse.streaming();
        out.write(headers);
        AtomicReference<Runnable> cancel = new AtomicReference<>(() -> {});
        // A client that goes away cancels whichever range is streaming.
        out.whenComplete().exceptionally(t -> {
            cancel.get().run();
            return null;
        });
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Piece piece : pieces) {
            chain = chain.thenCompose(v -> {
                if (piece.literal() != null) {
                    return out.tryWrite(HttpData.wrap(piece.literal())) ? CompletableFuture.completedFuture(null)
                            : CompletableFuture.failedFuture(new IllegalStateException("HTTP response closed"));
                }
                return pipe(out, cancel, sink -> source.download(piece.offset(), piece.length(), sink));
            });
        }
        chain.whenComplete((v, t) -> {
            if (t == null) {
                out.close();
            } else {
                // Headers are gone already: all that is left is to cut the response short.
                out.abort(t);
            }
        });
        return out;
    }

    /** Completes when the download that {@code start} begins has been written, each message once consumed. */
    private static CompletableFuture<Void> pipe(HttpResponseWriter out, AtomicReference<Runnable> cancel,
                                                java.util.function.Function<MediaAsyncClient.DownloadSink, Runnable> start) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable stop = start.apply(new MediaAsyncClient.DownloadSink() {
            @Override
            public CompletionStage<?> onData(ByteString data) {
                if (!out.tryWrite(HttpData.wrap(data.toByteArray()))) {
                    return CompletableFuture.failedFuture(new IllegalStateException("HTTP response closed"));
                }
                return out.whenConsumed();
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }

            @Override
            public void onError(FramegridException error) {
                done.completeExceptionally(error);
            }
        });
        cancel.set(stop);
        if (out.whenComplete().isCompletedExceptionally()) {
            stop.run();
        }
        return done;
    }
}
