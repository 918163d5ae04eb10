package io.framegrid.gateway.studio.upload;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Decorator;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Head;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Path;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.annotation.StatusCode;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.MayBeEmpty;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.gateway.http.Required;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.http.Users;
import io.framegrid.gateway.http.WholeFormData;
import io.framegrid.gateway.studio.StudioSurface;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Surface B (studio) chunked uploads and file downloads:
 * {@code POST /api/v1/chunked-upload/{init,chunk/{id},complete/{id}}} as the spec writes them, plus
 * {@code GET /api/v1/chunked-upload/status/{id}} (which chunks are missing, to resume) and
 * {@code GET|HEAD /api/v1/files/{file_id}} (download with {@code Range} / {@code If-Range}, see {@link MediaDownloads}).
 *
 * <p>The spec's init has no checksum field: an optional {@code sha256} (64 hex digits of the whole file) is
 * accepted in the init body or in a JSON body of complete; the coordinator always computes the file's sha256 and,
 * when one was given, refuses a mismatch (422 CHECKSUM_MISMATCH).
 *
 * <p>Memory: a chunk request is held whole (at most {@link #MAX_CHUNK_BYTES} plus form framing) because the
 * coordinator stores each chunk with one call; the assembled upload never passes through the gateway.
 * Downloads stream one coordinator message at a time, paced by the HTTP client.
 */
public final class StudioUploadRoutes implements SurfaceRoutes {
    /** The coordinator's largest chunk ({@code MediaLibrary.MAX_CHUNK_BYTES}). */
    public static final long MAX_CHUNK_BYTES = 16L << 20;
    /** Room for the multipart boundaries, part headers and the chunk_index field around a full chunk. */
    private static final long FORM_OVERHEAD_BYTES = 64L << 10;
    /** One chunk request, or the completion that joins and hashes the whole file on the coordinator. */
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(5);
    private static final String FILES_PATH = "/api/v1/files/";

    private final Uploads uploads;
    private final Chunks chunks;

    public StudioUploadRoutes(FramegridClient client) {
        this.uploads = new Uploads(client);
        this.chunks = new Chunks(client);
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        endpoints.annotated(sb).build(uploads);
        // A chunk is the one body here larger than a JSON cap, and may take minutes on a slow link.
        endpoints.annotated(sb).maxRequestLength(MAX_CHUNK_BYTES + FORM_OVERHEAD_BYTES).requestTimeout(TRANSFER_TIMEOUT)
                .build(chunks);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(uploads), Documented.of(chunks));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        HttpHeaders bearer = HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi...");
        docs.exampleRequests(Uploads.class, "init", "{\"filename\":\"clip.mp4\",\"total_size\":104857600,"
                        + "\"chunk_size\":5242880,\"file_type\":\"video/mp4\"}")
                .exampleRequests(Uploads.class, "complete", "{\"sha256\":\"<64 hex digits, optional>\"}")
                .exampleHeaders(Uploads.class, bearer)
                .exampleHeaders(Chunks.class, bearer);
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record InitBody(@Required String filename, @Required Long totalSize, @Required Long chunkSize,
                           String fileType, String sha256) {}

    /** Optional: complete may carry the whole file's sha256. */
    @MayBeEmpty
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CompleteBody(String sha256) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Initiated(String uploadId, long chunkCount, String expiresAt) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ChunkStored(String uploadId, long chunkIndex, long chunksReceived, long chunksTotal) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UploadStatus(String uploadId, String filename, long totalSize, long chunkSize, long chunksReceived,
                               long chunksTotal, List<Integer> missingChunks, String expiresAt) {
        static UploadStatus of(UploadSession s) {
            return new UploadStatus(s.getUploadId(), s.getFilename(), s.getTotalSize(), s.getChunkSize(),
                    s.getChunksReceived(), s.getChunkCount(), s.getMissingChunksList(), Users.iso(s.getExpiresAt()));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record StoredFile(String fileId, String filename, long fileSize, String fileUrl, String sha256) {}

    /** Completion joins and hashes the whole file on the coordinator: more than the default 10 s. */
    public static final class TransferTimeout implements DecoratingHttpServiceFunction {
        @Override
        public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
            ctx.setRequestTimeout(TRANSFER_TIMEOUT);
            return delegate.serve(ctx, req);
        }
    }

    /** A download lasts as long as the client reads; the stream ends when the blob does. */
    public static final class NoTimeout implements DecoratingHttpServiceFunction {
        @Override
        public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
            ctx.clearRequestTimeout();
            return delegate.serve(ctx, req);
        }
    }

    @Description("Studio (B) chunked uploads and file downloads, on the studio port; every route needs a bearer token")
    public static final class Uploads {
        private final FramegridClient client;

        Uploads(FramegridClient client) {
            this.client = client;
        }

        @Post("/api/v1/chunked-upload/init")
        @StatusCode(201)
        @Description("Opens an upload of total_size bytes in chunks of chunk_size; 413 FILE_TOO_LARGE over the tier's limit")
        public CompletableFuture<Initiated> init(RequestHeaders headers, @RequestObject InitBody body) {
            String token = Credentials.bearer(headers);
            InitUploadRequest.Builder init = InitUploadRequest.newBuilder()
                    .setFilename(body.filename())
                    .setTotalSize(positive("total_size", body.totalSize()))
                    .setChunkSize(positive("chunk_size", body.chunkSize()));
            if (body.fileType() != null) {
                init.setContentType(body.fileType());
            }
            if (body.sha256() != null) {
                init.setSha256(body.sha256());
            }
            return tooLargeAs413(media(token).initUpload(init.build())).thenApply(s ->
                    new Initiated(s.getUploadId(), s.getChunkCount(), Users.iso(s.getExpiresAt())));
        }

        @Post("/api/v1/chunked-upload/complete/{upload_id}")
        @Decorator(TransferTimeout.class)
        @Description("Assembles the upload; 400 CHUNKS_MISSING names the missing chunks, 422 CHECKSUM_MISMATCH when "
                + "the optional sha256 differs")
        public CompletableFuture<StoredFile> complete(ServiceRequestContext ctx, RequestHeaders headers,
                                                      @Param("upload_id") String uploadId,
                                                      @RequestObject CompleteBody body) {
            MediaAsyncClient media = media(Credentials.bearer(headers));
            return media.completeUpload(uploadId, body.sha256() == null ? "" : body.sha256())
                    .handle((m, t) -> {
                        if (t == null) {
                            return CompletableFuture.completedFuture(file(ctx, m));
                        }
                        FramegridException fe = unwrap(t) instanceof FramegridException e ? e : null;
                        if (fe != null && "CHUNKS_MISSING".equals(fe.reason())) {
                            // Name the missing chunks so the client can re-send exactly those.
                            return media.getUpload(uploadId).<StoredFile>thenApply(s -> {
                                throw new ApiException(HttpStatus.BAD_REQUEST, "CHUNKS_MISSING", fe.getMessage(),
                                        Map.of("missing_chunks", s.getMissingChunksList(),
                                                "chunks_received", s.getChunksReceived(), "chunks_total", s.getChunkCount()));
                            });
                        }
                        return CompletableFuture.<StoredFile>failedFuture(unwrap(t));
                    })
                    .thenCompose(f -> f);
        }

        @Get("/api/v1/chunked-upload/status/{upload_id}")
        @Description("Which chunks arrived and which are missing, to resume an interrupted upload")
        public CompletableFuture<UploadStatus> status(RequestHeaders headers, @Param("upload_id") String uploadId) {
            return media(Credentials.bearer(headers)).getUpload(uploadId).thenApply(UploadStatus::of);
        }

        @Get
        @Head
        @Path("/api/v1/files/{file_id}")
        @Decorator(NoTimeout.class)
        @Description("Downloads a file (the file_url of complete): Range and If-Range, HEAD for the headers alone")
        public CompletableFuture<HttpResponse> download(ServiceRequestContext ctx, RequestHeaders headers,
                                                        @Param("file_id") String fileId) {
            MediaAsyncClient media = media(Credentials.bearer(headers));
            return media.get(fileId).thenApply(m -> MediaDownloads.serve(ctx, new MediaDownloads.Representation(
                            m.getSize(), m.getContentType().isEmpty() ? "application/octet-stream" : m.getContentType(),
                            m.getSha256(), HttpHeaders.builder()
                            .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename*=UTF-8''"
                                    + URLEncoder.encode(m.getFilename(), StandardCharsets.UTF_8).replace("+", "%20"))
                            .set("X-Content-SHA256", m.getSha256()).build()),
                    (offset, length, sink) -> media.download(fileId, offset, length, sink)));
        }

        private MediaAsyncClient media(String token) {
            return client.withBearerToken(token).mediaAsync();
        }
    }

    @Description("Studio (B) chunk uploads, on the studio port: up to 16 MiB per request; needs a bearer token")
    public static final class Chunks {
        private final FramegridClient client;

        Chunks(FramegridClient client) {
            this.client = client;
        }

        @Post("/api/v1/chunked-upload/chunk/{upload_id}")
        @Description("Stores one chunk: multipart form with 'chunk' (the bytes, at most 16 MiB) and 'chunk_index'; "
                + "any order, re-sending is harmless")
        public CompletableFuture<ChunkStored> chunk(ServiceRequestContext ctx, HttpRequest req,
                                                    @Param("upload_id") String uploadId) {
            try {
                String token = Credentials.bearer(req.headers());
                MediaType type = req.contentType();
                if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "UNSUPPORTED_CONTENT_TYPE",
                            "Request body must be multipart/form-data with fields 'chunk' and 'chunk_index'");
                }
                String boundary = type.parameters().get("boundary").get(0);
                // Read whole (the coordinator stores a chunk with one call), then split in place: see WholeFormData.
                return req.aggregate().thenCompose(body -> {
                    WholeFormData form = form(body.content(), boundary);
                    int index = chunkIndex(form);
                    WholeFormData.Field chunk = form.field("chunk");
                    if (chunk == null) {
                        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                                "Form field 'chunk' is required", Map.of("field", "chunk"));
                    }
                    return client.withBearerToken(token).mediaAsync().uploadChunk(uploadId, index, bytes(chunk));
                }).thenApply(s -> new ChunkStored(s.getUploadId(), s.getChunkIndex(), s.getChunksReceived(),
                        s.getChunkCount()));
            } catch (RuntimeException e) {
                // Refused before the body was read: drop it rather than receive what nobody reads.
                req.abort();
                throw e;
            }
        }
    }

    private static StoredFile file(ServiceRequestContext ctx, Media m) {
        return new StoredFile(m.getMediaId(), m.getFilename(), m.getSize(), fileUrl(ctx, m.getMediaId()), m.getSha256());
    }

    /** Absolute when the request named its host, so the URL works as given; relative otherwise. */
    private static String fileUrl(ServiceRequestContext ctx, String fileId) {
        String path = FILES_PATH + URLEncoder.encode(fileId, StandardCharsets.UTF_8);
        String authority = ctx.request().authority();
        return authority == null ? path : (ctx.sessionProtocol().isTls() ? "https" : "http") + "://" + authority + path;
    }

    private static long positive(String field, long value) {
        if (value <= 0) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD",
                    "Field '" + field + "' must be a positive integer", Map.of("field", field));
        }
        return value;
    }

    // ---- chunk ---------------------------------------------------------------------------------------

    private static WholeFormData form(HttpData body, String boundary) {
        try {
            return WholeFormData.parse(body.array(), boundary);
        } catch (WholeFormData.MalformedFormException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_MULTIPART",
                    "Malformed multipart/form-data body: " + e.getMessage());
        }
    }

    private static int chunkIndex(WholeFormData form) {
        WholeFormData.Field field = form.field("chunk_index");
        if (field == null) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                    "Form field 'chunk_index' is required", Map.of("field", "chunk_index"));
        }
        try {
            return Integer.parseInt(field.text().trim());
        } catch (NumberFormatException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD",
                    "Form field 'chunk_index' must be an integer", Map.of("field", "chunk_index"));
        }
    }

    /** Wraps the part's range of the aggregated (unpooled, heap) body without a copy; the message owns it from here. */
    private static ByteString bytes(WholeFormData.Field part) {
        return UnsafeByteOperations.unsafeWrap(part.body(), part.offset(), part.length());
    }

    /** The coordinator says RESOURCE_EXHAUSTED/FILE_TOO_LARGE; the spec says 413 for a file over the tier limit. */
    private static <T> CompletableFuture<T> tooLargeAs413(CompletableFuture<T> call) {
        return call.exceptionally(t -> {
            Throwable cause = unwrap(t);
            if (cause instanceof FramegridException fe && "FILE_TOO_LARGE".equals(fe.reason())) {
                throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE", fe.getMessage());
            }
            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
