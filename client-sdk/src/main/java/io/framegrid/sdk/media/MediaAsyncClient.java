package io.framegrid.sdk.media;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.framegrid.proto.media.v1.CompleteUploadRequest;
import io.framegrid.proto.media.v1.DeleteMediaRequest;
import io.framegrid.proto.media.v1.DeleteMediaResponse;
import io.framegrid.proto.media.v1.DownloadChunk;
import io.framegrid.proto.media.v1.DownloadRequest;
import io.framegrid.proto.media.v1.GetMediaRequest;
import io.framegrid.proto.media.v1.GetUploadRequest;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.ListMediaRequest;
import io.framegrid.proto.media.v1.ListMediaResponse;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.MediaServiceGrpc;
import io.framegrid.proto.media.v1.UploadChunkRequest;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.media.v1.UploadRequest;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.OutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Non-blocking media calls; futures fail with {@link FramegridException}. */
public final class MediaAsyncClient {
    static final int UPLOAD_CHUNK = 1 << 20;

    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public MediaAsyncClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    /**
     * Streams {@code in} to the store in 1 MiB messages, reading the next one only when the transport is
     * ready for it, so memory stays bounded whatever the file size. The stream is closed when done.
     */
    public CompletableFuture<Media> upload(UploadHeader header, InputStream in) {
        CompletableFuture<Media> result = new CompletableFuture<>();
        MediaServiceGrpc.MediaServiceStub stub = MediaServiceGrpc.newStub(channel);
        if (credentials != null) {
            stub = stub.withCallCredentials(credentials);
        }
        stub.upload(new ClientResponseObserver<UploadRequest, Media>() {
            private ClientCallStreamObserver<UploadRequest> requests;
            private boolean headerSent;
            private boolean finished;

            @Override
            public void beforeStart(ClientCallStreamObserver<UploadRequest> requestStream) {
                this.requests = requestStream;
                requestStream.setOnReadyHandler(this::pump);
            }

            private synchronized void pump() {
                if (finished) {
                    return;
                }
                try {
                    while (requests.isReady()) {
                        if (!headerSent) {
                            requests.onNext(UploadRequest.newBuilder().setHeader(header).build());
                            headerSent = true;
                            continue;
                        }
                        byte[] buffer = in.readNBytes(UPLOAD_CHUNK);
                        if (buffer.length == 0) {
                            finished = true;
                            in.close();
                            requests.onCompleted();
                            return;
                        }
                        // readNBytes returns a fresh array that nothing else touches: wrap it rather than copy it.
                        requests.onNext(UploadRequest.newBuilder()
                                .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(buffer)).build());
                    }
                } catch (IOException e) {
                    finished = true;
                    requests.onError(e);
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onNext(Media value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                synchronized (this) {
                    finished = true;
                }
                try {
                    in.close();
                } catch (IOException ignored) {
                    // Already failing.
                }
                result.completeExceptionally(FramegridException.from(t));
            }

            @Override
            public void onCompleted() {
                // The response came through onNext.
            }
        });
        return result;
    }

    /** Receives a streamed download; the SDK asks for the next message only once {@link #onData}'s stage completes. */
    public interface DownloadSink {
        /** One piece of the blob; the returned stage completes when the sink can take the next one. */
        java.util.concurrent.CompletionStage<?> onData(ByteString data);

        void onComplete();

        void onError(FramegridException error);
    }

    /**
     * Streams {@code length} bytes (0 = to the end) of the media from {@code offset} into {@code sink}, one
     * message in flight at a time, so a slow consumer (an HTTP client) holds back the coordinator instead of
     * filling memory. No deadline: a large download may take long. Returns a handle that cancels the call.
     */
    public Runnable download(String mediaId, long offset, long length, DownloadSink sink) {
        MediaServiceGrpc.MediaServiceStub stub = MediaServiceGrpc.newStub(channel);
        if (credentials != null) {
            stub = stub.withCallCredentials(credentials);
        }
        java.util.concurrent.atomic.AtomicReference<ClientCallStreamObserver<DownloadRequest>> call =
                new java.util.concurrent.atomic.AtomicReference<>();
        stub.download(DownloadRequest.newBuilder().setMediaId(mediaId).setOffset(offset).setLength(length).build(),
                new ClientResponseObserver<DownloadRequest, DownloadChunk>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<DownloadRequest> requestStream) {
                        call.set(requestStream);
                        requestStream.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(DownloadChunk chunk) {
                        if (chunk.getData().isEmpty()) {
                            call.get().request(1);
                            return;
                        }
                        sink.onData(chunk.getData()).whenComplete((ignored, t) -> {
                            if (t == null) {
                                call.get().request(1);
                            } else {
                                call.get().cancel("Download consumer failed", t);
                            }
                        });
                    }

                    @Override
                    public void onError(Throwable t) {
                        sink.onError(FramegridException.from(t));
                    }

                    @Override
                    public void onCompleted() {
                        sink.onComplete();
                    }
                });
        return () -> call.get().cancel("Download abandoned by the caller", null);
    }

    /** Writes the whole media into {@code out} as it arrives; completes once the last byte is written. */
    public CompletableFuture<Void> downloadTo(String mediaId, OutputStream out) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        download(mediaId, 0, 0, new DownloadSink() {
            @Override
            public CompletionStage<?> onData(ByteString data) {
                try {
                    data.writeTo(out);
                    return CompletableFuture.completedFuture(null);
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
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
        return done;
    }

    public CompletableFuture<Media> get(String mediaId) {
        return call(s -> s.get(GetMediaRequest.newBuilder().setMediaId(mediaId).build()));
    }

    public CompletableFuture<ListMediaResponse> list(int limit, int offset) {
        return call(s -> s.list(ListMediaRequest.newBuilder().setLimit(limit).setOffset(offset).build()));
    }

    /** Deletes the blob and its metadata; true when something was deleted, idempotent for the owner. */
    public CompletableFuture<Boolean> delete(String mediaId) {
        return call(s -> s.delete(DeleteMediaRequest.newBuilder().setMediaId(mediaId).build()))
                .thenApply(DeleteMediaResponse::getDeleted);
    }

    public CompletableFuture<UploadSession> initUpload(InitUploadRequest request) {
        return call(s -> s.initUpload(request));
    }

    public CompletableFuture<UploadSession> uploadChunk(String uploadId, int index, ByteString data) {
        return call(s -> s.uploadChunk(UploadChunkRequest.newBuilder().setUploadId(uploadId).setChunkIndex(index)
                .setData(data).build()));
    }

    public CompletableFuture<UploadSession> getUpload(String uploadId) {
        return call(s -> s.getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build()));
    }

    public CompletableFuture<Media> completeUpload(String uploadId, String sha256) {
        return call(s -> s.completeUpload(CompleteUploadRequest.newBuilder().setUploadId(uploadId).setSha256(sha256).build()));
    }

    private <T> CompletableFuture<T> call(Function<MediaServiceGrpc.MediaServiceFutureStub, ListenableFuture<T>> body) {
        return CallSupport.toCompletable(body.apply(
                CallSupport.prepare(MediaServiceGrpc.newFutureStub(channel), credentials, deadline)));
    }
}
