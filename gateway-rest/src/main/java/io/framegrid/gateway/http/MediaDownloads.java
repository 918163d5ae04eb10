package io.framegrid.gateway.http;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Streams a media-store download into an HTTP response, at the pace the HTTP client reads it. */
public final class MediaDownloads {
    private MediaDownloads() {}

    /**
     * Pipes the download that {@code start} begins (given the sink, returning its cancel action) into
     * {@code out}, whose headers are already written. The next gRPC chunk is asked for only once the
     * previous one was consumed; a client that goes away cancels the download.
     */
    public static HttpResponse stream(HttpResponseWriter out,
                                      Function<MediaAsyncClient.DownloadSink, Runnable> start) {
        Runnable cancel = start.apply(new MediaAsyncClient.DownloadSink() {
            @Override
            public CompletionStage<?> onData(ByteString data) {
                if (!out.tryWrite(HttpData.wrap(data.toByteArray()))) {
                    return CompletableFuture.failedFuture(new IllegalStateException("HTTP response closed"));
                }
                return out.whenConsumed();
            }

            @Override
            public void onComplete() {
                out.close();
            }

            @Override
            public void onError(FramegridException error) {
                // Headers are gone already: all that is left is to cut the response short.
                out.abort(error);
            }
        });
        out.whenComplete().exceptionally(t -> {
            cancel.run();
            return null;
        });
        return out;
    }
}
