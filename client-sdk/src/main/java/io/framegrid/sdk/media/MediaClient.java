package io.framegrid.sdk.media;

import com.google.protobuf.ByteString;
import io.framegrid.proto.media.v1.CompleteUploadRequest;
import io.framegrid.proto.media.v1.DeleteMediaRequest;
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
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridException;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/** Blocking media calls; failures throw {@link FramegridException}. Transfers stream, never buffering a whole file. */
public final class MediaClient {
    private final Channel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    public MediaClient(Channel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public MediaAsyncClient async() {
        return new MediaAsyncClient(channel, credentials, deadline);
    }

    /** Streams a file to the store. */
    public Media upload(Path file, String contentType) {
        try {
            return upload(UploadHeader.newBuilder().setFilename(file.getFileName().toString())
                    .setContentType(contentType).setSize(Files.size(file)).build(), Files.newInputStream(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Media upload(UploadHeader header, InputStream in) {
        try {
            return async().upload(header, in).join();
        } catch (CompletionException e) {
            throw FramegridException.from(e.getCause());
        }
    }

    /** Writes the media (or {@code length} bytes from {@code offset}; 0 = to the end) to {@code out}; returns its metadata. */
    public Media download(String mediaId, long offset, long length, OutputStream out) {
        Iterator<DownloadChunk> chunks = stub().download(DownloadRequest.newBuilder().setMediaId(mediaId)
                .setOffset(offset).setLength(length).build());
        Media media = null;
        try {
            while (chunks.hasNext()) {
                DownloadChunk chunk = chunks.next();
                if (chunk.hasMedia()) {
                    media = chunk.getMedia();
                }
                chunk.getData().writeTo(out);
            }
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return media;
    }

    public Media get(String mediaId) {
        return call(s -> s.get(GetMediaRequest.newBuilder().setMediaId(mediaId).build()));
    }

    public ListMediaResponse list(int limit, int offset) {
        return call(s -> s.list(ListMediaRequest.newBuilder().setLimit(limit).setOffset(offset).build()));
    }

    public boolean delete(String mediaId) {
        return call(s -> s.delete(DeleteMediaRequest.newBuilder().setMediaId(mediaId).build())).getDeleted();
    }

    public UploadSession initUpload(InitUploadRequest request) {
        return call(s -> s.initUpload(request));
    }

    public UploadSession uploadChunk(String uploadId, int index, ByteString data) {
        return call(s -> s.uploadChunk(UploadChunkRequest.newBuilder().setUploadId(uploadId).setChunkIndex(index)
                .setData(data).build()));
    }

    public UploadSession getUpload(String uploadId) {
        return call(s -> s.getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build()));
    }

    public Media completeUpload(String uploadId, String sha256) {
        return call(s -> s.completeUpload(CompleteUploadRequest.newBuilder().setUploadId(uploadId).setSha256(sha256).build()));
    }

    private MediaServiceGrpc.MediaServiceBlockingStub stub() {
        return CallSupport.prepare(MediaServiceGrpc.newBlockingStub(channel), credentials, null);
    }

    private <T> T call(Function<MediaServiceGrpc.MediaServiceBlockingStub, T> body) {
        try {
            return body.apply(CallSupport.prepare(MediaServiceGrpc.newBlockingStub(channel), credentials, deadline));
        } catch (StatusRuntimeException e) {
            throw FramegridException.from(e);
        }
    }
}
