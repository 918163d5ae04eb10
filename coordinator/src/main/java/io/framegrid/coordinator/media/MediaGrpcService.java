package io.framegrid.coordinator.media;

import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import com.google.protobuf.ByteString;
import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.fabric.FabricException;
import io.framegrid.coordinator.identity.Principal;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public media API over the {@link MediaLibrary}; every call is scoped to the caller's own media. */
public final class MediaGrpcService extends MediaServiceGrpc.MediaServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(MediaGrpcService.class);
    /** Largest inbound message the coordinator must accept: a full chunk plus framing. */
    public static final int MAX_MESSAGE_BYTES = (int) MediaLibrary.MAX_CHUNK_BYTES + (1 << 20);
    private static final int DOWNLOAD_CHUNK = 1 << 20;
    /**
     * HTTP/2 receive window per stream. gRPC's default (1 MiB) equals one upload message, so a client could
     * send one message and then wait a round trip for the window update while the server writes it: uploads
     * ran in lock-step. 8 MiB keeps several messages in flight; memory per upload stays bounded by it.
     */
    public static final int FLOW_CONTROL_WINDOW = 8 << 20;

    private final MediaLibrary library;
    private final Function<String, String> tierOf;

    /** {@code tierOf} maps a user id to its tier name (free, pro, enterprise). */
    public MediaGrpcService(MediaLibrary library, Function<String, String> tierOf) {
        this.library = library;
        this.tierOf = tierOf;
    }

    /**
     * What the coordinator serves: {@link #bindService()} except that chunks (up to 16 MiB each) are parsed without
     * copying their bytes twice.
     */
    public io.grpc.ServerServiceDefinition definition() {
        return io.framegrid.coordinator.grpc.WholeMessageMarshaller.forRequests(super.bindService(),
                MediaServiceGrpc.getUploadChunkMethod(), UploadChunkRequest.parser());
    }

    /** Streams the blob to the store (never whole in memory); metadata is written once the blob is durable. */
    @Override
    public StreamObserver<UploadRequest> upload(StreamObserver<Media> response) {
        Principal caller = Principal.current();
        return new StreamObserver<>() {
            private UploadHeader header;
            private io.framegrid.fabric.media.BlobStore.BlobWriter writer;
            private final MessageDigest digest = MediaLibrary.sha256();
            private final String mediaId = UUID.randomUUID().toString();
            private long size;
            private long max;
            private boolean failed;

            @Override
            public void onNext(UploadRequest request) {
                if (failed) {
                    return;
                }
                try {
                    if (request.hasHeader()) {
                        if (header != null) {
                            throw Errors.invalid("INVALID_UPLOAD", "Only one header is allowed");
                        }
                        if (caller == null) {
                            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
                        }
                        header = request.getHeader();
                        if (header.getFilename().isBlank()) {
                            throw Errors.invalid("INVALID_FILENAME", "filename is required");
                        }
                        max = library.maxBytes(tierOf.apply(caller.userId()));
                        if (header.getSize() > max) {
                            throw MediaLibrary.tooLarge(max);
                        }
                        writer = library.store().create(MediaLibrary.blobKey(caller.userId(), mediaId));
                        return;
                    }
                    if (header == null) {
                        throw Errors.invalid("INVALID_UPLOAD", "The first message must be the header");
                    }
                    ByteString data = request.getData();
                    size += data.size();
                    if (size > max) {
                        throw MediaLibrary.tooLarge(max);
                    }
                    // One pass over the message's own buffers: hash and write without copying them out.
                    for (java.nio.ByteBuffer buffer : data.asReadOnlyByteBufferList()) {
                        digest.update(buffer.duplicate());
                        writer.write(buffer);
                    }
                } catch (FabricException e) {
                    fail(Errors.from(e));
                } catch (StatusRuntimeException e) {
                    fail(e);
                } catch (IOException | RuntimeException e) {
                    fail(internal(e));
                }
            }

            private void fail(StatusRuntimeException e) {
                failed = true;
                if (writer != null) {
                    writer.close();
                }
                response.onError(e);
            }

            @Override
            public void onError(Throwable t) {
                if (writer != null) {
                    writer.close();
                }
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                if (header == null) {
                    response.onError(Errors.invalid("INVALID_UPLOAD", "No header was sent"));
                    return;
                }
                try {
                    if (header.getSize() > 0 && header.getSize() != size) {
                        writer.close();
                        response.onError(Errors.invalid("SIZE_MISMATCH",
                                "Received " + size + " bytes, header declared " + header.getSize()));
                        return;
                    }
                    writer.commit();
                    Media m = library.register(mediaId, caller.userId(), header.getFilename(), header.getContentType(),
                            size, HexFormat.of().formatHex(digest.digest()), header.getMetadataMap());
                    response.onNext(m);
                    response.onCompleted();
                } catch (IOException | RuntimeException e) {
                    writer.close();
                    response.onError(e instanceof FabricException f ? Errors.from(f) : internal(e));
                }
            }
        };
    }

    /** Streams the blob or a byte range of it in 1 MiB chunks, following the client's flow control. */
    @Override
    public void download(DownloadRequest request, StreamObserver<DownloadChunk> response) {
        Media m;
        InputStream in;
        try {
            m = owned(request.getMediaId());
            if (request.getOffset() < 0 || request.getLength() < 0 || request.getOffset() > m.getSize()) {
                throw Errors.of(Status.Code.OUT_OF_RANGE, "INVALID_RANGE", "Range outside the file");
            }
            long length = request.getLength() == 0 ? m.getSize() - request.getOffset()
                    : Math.min(request.getLength(), m.getSize() - request.getOffset());
            in = library.store().open(m.getStorageKey(), request.getOffset(), length);
        } catch (FabricException e) {
            response.onError(Errors.from(e));
            return;
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (IOException | RuntimeException e) {
            response.onError(internal(e));
            return;
        }
        ServerCallStreamObserver<DownloadChunk> out = (ServerCallStreamObserver<DownloadChunk>) response;
        Media first = m;
        out.setOnCancelHandler(() -> closeQuietly(in));
        out.setOnReadyHandler(new Runnable() {
            private boolean sentHeader;
            private boolean done;

            @Override
            public synchronized void run() {
                if (done) {
                    return;
                }
                try {
                    byte[] buffer = new byte[DOWNLOAD_CHUNK];
                    while (out.isReady()) {
                        int n = in.readNBytes(buffer, 0, buffer.length);
                        if (n <= 0) {
                            if (!sentHeader) {
                                out.onNext(DownloadChunk.newBuilder().setMedia(first).build());
                            }
                            done = true;
                            closeQuietly(in);
                            out.onCompleted();
                            return;
                        }
                        DownloadChunk.Builder chunk = DownloadChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n));
                        if (!sentHeader) {
                            chunk.setMedia(first);
                            sentHeader = true;
                        }
                        out.onNext(chunk.build());
                    }
                } catch (IOException | RuntimeException e) {
                    done = true;
                    closeQuietly(in);
                    out.onError(internal(e));
                }
            }
        });
    }

    /** Returns one of the caller's media. */
    @Override
    public void get(GetMediaRequest request, StreamObserver<Media> response) {
        unary(response, () -> owned(request.getMediaId()));
    }

    /** Lists the caller's media newest first, paged by limit/offset. */
    @Override
    public void list(ListMediaRequest request, StreamObserver<ListMediaResponse> response) {
        unary(response, () -> {
            Principal caller = caller();
            int limit = request.getLimit() == 0 ? 50 : request.getLimit();
            if (limit < 0 || limit > 500 || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PAGE", "limit must be 1..500 and offset >= 0");
            }
            List<Media> all = library.list(caller.userId());
            int from = Math.min(request.getOffset(), all.size());
            int to = Math.min(from + limit, all.size());
            return ListMediaResponse.newBuilder().addAllMedia(all.subList(from, to)).setTotal(all.size())
                    .setHasMore(to < all.size()).build();
        });
    }

    /** Deletes the blob and its metadata. */
    @Override
    public void delete(DeleteMediaRequest request, StreamObserver<DeleteMediaResponse> response) {
        unary(response, () -> {
            Media m = owned(request.getMediaId());
            try {
                return DeleteMediaResponse.newBuilder().setDeleted(library.delete(m)).build();
            } catch (IOException e) {
                throw internal(e);
            }
        });
    }

    /** Opens a chunked upload, refusing sizes over the caller's tier limit (FILE_TOO_LARGE). */
    @Override
    public void initUpload(InitUploadRequest request, StreamObserver<UploadSession> response) {
        unary(response, () -> {
            Principal caller = caller();
            return library.init(caller.userId(), tierOf.apply(caller.userId()), request);
        });
    }

    /** Stores a chunk (any order; re-sending is harmless). */
    @Override
    public void uploadChunk(UploadChunkRequest request, StreamObserver<UploadSession> response) {
        unary(response, () -> {
            Principal caller = caller();
            return library.chunk(library.upload(request.getUploadId(), caller.userId(), caller.isAdmin()),
                    request.getChunkIndex(), request.getData());
        });
    }

    /** Lists received and missing chunks, for resuming. */
    @Override
    public void getUpload(GetUploadRequest request, StreamObserver<UploadSession> response) {
        unary(response, () -> {
            Principal caller = caller();
            return library.session(library.upload(request.getUploadId(), caller.userId(), caller.isAdmin()), -1);
        });
    }

    /** Joins the chunks, verifying size and sha256, and returns the new media. */
    @Override
    public void completeUpload(CompleteUploadRequest request, StreamObserver<Media> response) {
        unary(response, () -> {
            Principal caller = caller();
            try {
                return library.complete(library.upload(request.getUploadId(), caller.userId(), caller.isAdmin()),
                        request.getSha256());
            } catch (IOException e) {
                throw internal(e);
            }
        });
    }

    private Media owned(String mediaId) {
        Principal caller = caller();
        if (mediaId.isBlank()) {
            throw Errors.invalid("INVALID_MEDIA_ID", "media_id is required");
        }
        return library.get(mediaId)
                .filter(m -> m.getOwnerId().equals(caller.userId()) || caller.isAdmin())
                .orElseThrow(() -> Errors.notFound("MEDIA_NOT_FOUND", "Media not found"));
    }

    private static Principal caller() {
        Principal p = Principal.current();
        if (p == null) {
            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
        }
        return p;
    }

    private static StatusRuntimeException internal(Exception e) {
        log.warn("Media operation failed: {}", e.toString());
        return Errors.of(Status.Code.INTERNAL, "STORAGE_ERROR", "Storage error: " + e.getMessage());
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Nothing to do.
        }
    }

    private static <T> void unary(StreamObserver<T> response, java.util.function.Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (FabricException e) {
            response.onError(Errors.from(e));
            return;
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (java.io.UncheckedIOException e) {
            response.onError(internal(e));
            return;
        } catch (RuntimeException e) {
            response.onError(Errors.of(Status.Code.INTERNAL, "INTERNAL", "Internal error: " + e.getMessage()));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
