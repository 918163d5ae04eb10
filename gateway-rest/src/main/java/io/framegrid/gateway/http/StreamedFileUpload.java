package io.framegrid.gateway.http;

import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.MimeParsingException;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.sdk.FramegridException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Streams one named file part of a {@code multipart/form-data} body into a product's store as it arrives (never
 * buffered whole), and completes with what was stored only once the whole body has been read. Other parts are
 * drained. The file's extension must be one of the allowed ones (400 {@code INVALID_FORMAT}); past the size cap, by
 * declared length or by counted bytes, it is 413 {@code FILE_TOO_LARGE}; a body that fails after the file was stored
 * (no closing boundary, a client gone) deletes the file again, so a refused upload leaves nothing behind.
 *
 * @param <M> what the store answers for a stored file (e.g. the media record)
 */
public final class StreamedFileUpload<M> {
    /** Stores one streamed file for the caller, and deletes it again. */
    public interface Store<M> {
        CompletableFuture<M> upload(InputStream content, String filename, String contentType);

        CompletableFuture<?> discard(M stored);
    }

    private final String field;
    private final List<String> extensions;
    private final String typePrefix;
    private final int maxMb;

    /**
     * @param field      the form field that carries the file
     * @param extensions allowed file name extensions, lower case, in the order the error message lists them
     * @param typePrefix the content type prefix for a part that declares none, e.g. {@code video/}
     * @param maxMb      the size cap in MiB
     */
    public StreamedFileUpload(String field, List<String> extensions, String typePrefix, int maxMb) {
        this.field = field;
        this.extensions = List.copyOf(extensions);
        this.typePrefix = typePrefix;
        this.maxMb = maxMb;
    }

    public long maxBytes() {
        return (long) maxMb << 20;
    }

    /** The 413 of this upload, in the specs' words. */
    public ApiException tooLarge() {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                "File size exceeds " + maxMb + "MB limit");
    }

    /** The 400 of a body that does not end with its closing boundary. */
    public static ApiException malformed() {
        return ApiException.badRequest("INVALID_MULTIPART",
                "Malformed multipart/form-data body: it must end with its closing boundary");
    }

    /** Reads {@code multipart} on {@code ctx}'s event loop, streaming the file part into {@code store}. */
    public CompletableFuture<M> receive(ServiceRequestContext ctx, Multipart multipart, Store<M> store) {
        return receive(ctx, multipart, store, null);
    }

    /**
     * As {@link #receive(ServiceRequestContext, Multipart, Store)}, also keeping the small text fields (parts without a
     * file name, up to {@link #MAX_FIELD_CHARS} each, longer ones cut) in {@code fields}, whichever order they come in.
     */
    public CompletableFuture<M> receive(ServiceRequestContext ctx, Multipart multipart, Store<M> store,
                                        java.util.@Nullable Map<String, String> fields) {
        CompletableFuture<M> received = new CompletableFuture<>();
        multipart.bodyParts().subscribe(new Subscriber<BodyPart>() {
            private Subscription subscription;
            // Subscriber signals and the upload's completion all run on the request's event loop: no races here.
            private @Nullable M stored;
            private boolean found;
            private boolean bodyEnded;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(BodyPart part) {
                if (found || !field.equals(part.name())) {
                    // The next part comes only once this one is consumed.
                    StringBuilder text = fields != null && part.filename() == null && part.name() != null
                            ? new StringBuilder() : null;
                    part.content().subscribe(new Drain(() -> {
                        if (text != null) {
                            fields.putIfAbsent(part.name(), text.toString());
                        }
                        subscription.request(1);
                    }, text));
                    return;
                }
                found = true;
                String filename = part.filename() == null ? "" : part.filename();
                int dot = filename.lastIndexOf('.');
                String ext = dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (!extensions.contains(ext)) {
                    part.content().abort();
                    subscription.cancel();
                    received.completeExceptionally(ApiException.badRequest("INVALID_FORMAT",
                            "Invalid file format. Supported formats: " + extensions.stream()
                                    .map(e -> e.toUpperCase(Locale.ROOT)).collect(Collectors.joining(", "))));
                    return;
                }
                CountingStream in = new CountingStream(part.content().toInputStream(Function.identity()), maxBytes());
                String type = part.headers().contentType() == null ? typePrefix + ext
                        : part.headers().contentType().toString();
                store.upload(in, filename, type).whenCompleteAsync((m, t) -> {
                    if (t == null && received.isDone()) {
                        // The body failed while the store was still finishing the file: it must not stay.
                        store.discard(m);
                    } else if (t == null && bodyEnded) {
                        // The body ended well while the store was still finishing the file.
                        received.complete(m);
                    } else if (t == null) {
                        stored = m;
                        subscription.request(1);
                    } else {
                        subscription.cancel();
                        received.completeExceptionally(in.exceeded() || isTooLarge(t) ? tooLarge()
                                : isMalformed(t) || isMalformed(in.failure()) ? malformed() : t);
                    }
                }, ctx.eventLoop());
            }

            @Override
            public void onError(Throwable t) {
                Throwable failure = isTooLarge(t) ? tooLarge() : isMalformed(t) ? malformed() : t;
                if (stored != null) {
                    store.discard(stored).whenComplete((v, e) -> received.completeExceptionally(failure));
                } else {
                    received.completeExceptionally(failure);
                }
            }

            @Override
            public void onComplete() {
                if (stored != null) {
                    received.complete(stored);
                } else if (!found) {
                    received.completeExceptionally(
                            ApiException.badRequest("MISSING_FILE", "Form field '" + field + "' is required"));
                } else {
                    bodyEnded = true;
                }
            }
        }, ctx.eventLoop());
        return received;
    }

    private static boolean isTooLarge(@Nullable Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ContentTooLargeException
                    || c instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMalformed(@Nullable Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MimeParsingException) {
                return true;
            }
        }
        return false;
    }

    /** Stops an upload past the size cap, whatever the declared length said; remembers why a read failed. */
    private static final class CountingStream extends FilterInputStream {
        private final long max;
        private final AtomicLong count = new AtomicLong();
        private volatile boolean exceeded;
        private volatile @Nullable IOException failure;

        CountingStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        boolean exceeded() {
            return exceeded;
        }

        @Nullable IOException failure() {
            return failure;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n > 0 && count.addAndGet(n) > max) {
                exceeded = true;
                throw new IOException("upload exceeds " + max + " bytes");
            }
            return n;
        }
    }

    /** Text fields longer than this are cut (they are ids and numbers). */
    public static final int MAX_FIELD_CHARS = 64 * 1024;

    /** Consumes a part nobody streams (keeping its text when asked), then asks for the next one. */
    private static final class Drain implements Subscriber<HttpData> {
        private final Runnable next;
        private final @Nullable StringBuilder text;

        Drain(Runnable next) {
            this(next, null);
        }

        Drain(Runnable next, @Nullable StringBuilder text) {
            this.next = next;
            this.text = text;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpData data) {
            if (text != null && text.length() < MAX_FIELD_CHARS) {
                String chunk = data.toStringUtf8();
                text.append(chunk, 0, Math.min(chunk.length(), MAX_FIELD_CHARS - text.length()));
            }
        }

        @Override
        public void onError(Throwable t) {
            // The whole request fails through the parts' publisher.
        }

        @Override
        public void onComplete() {
            next.run();
        }
    }
}
