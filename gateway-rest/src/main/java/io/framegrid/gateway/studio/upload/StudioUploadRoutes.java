package io.framegrid.gateway.studio.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.AggregatedBodyPart;
import com.linecorp.armeria.common.multipart.AggregatedMultipart;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Json;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.gateway.http.Request;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
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
    private static final String FILES_PATH = "/api/v1/files/";

    private final FramegridClient client;
    private final Duration transferTimeout;

    /** {@code transferTimeout} bounds one chunk request (slow links need more than the JSON default). */
    public StudioUploadRoutes(FramegridClient client, Duration transferTimeout) {
        this.client = client;
        this.transferTimeout = transferTimeout;
    }

    public StudioUploadRoutes(FramegridClient client) {
        this(client, Duration.ofMinutes(5));
    }

    @Override
    public Surface surface() {
        return Surface.STUDIO;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.route().post("/api/v1/chunked-upload/init").build(endpoints.of(this::init));
        sb.route().post("/api/v1/chunked-upload/chunk/{upload_id}")
                .maxRequestLength(MAX_CHUNK_BYTES + FORM_OVERHEAD_BYTES)
                .requestTimeout(transferTimeout)
                .build(chunkService(endpoints));
        sb.route().post("/api/v1/chunked-upload/complete/{upload_id}")
                // Completion joins and hashes the whole file on the coordinator: allow more than the default 10 s.
                .requestTimeout(transferTimeout)
                .build(endpoints.of(this::complete));
        sb.route().get("/api/v1/chunked-upload/status/{upload_id}").build(endpoints.of(req ->
                media(bearer(req)).getUpload(req.pathParam("upload_id"))
                        .thenApply(s -> Json.response(HttpStatus.OK, status(s)))));
        sb.route().methods(HttpMethod.GET, HttpMethod.HEAD).path(FILES_PATH + "{file_id}")
                // A download lasts as long as the client reads; the stream ends when the blob does.
                .requestTimeout(Duration.ZERO)
                .build(endpoints.of(this::download));
    }

    // ---- init / complete / status ----------------------------------------------------------------

    private CompletableFuture<HttpResponse> init(Request req) {
        String token = bearer(req);
        InitUploadRequest.Builder init = InitUploadRequest.newBuilder()
                .setFilename(req.required("filename"))
                .setTotalSize(positiveLong(req, "total_size"))
                .setChunkSize(positiveLong(req, "chunk_size"));
        String fileType = req.optional("file_type");
        if (fileType != null) {
            init.setContentType(fileType);
        }
        String sha256 = req.optional("sha256");
        if (sha256 != null) {
            init.setSha256(sha256);
        }
        return tooLargeAs413(media(token).initUpload(init.build())).thenApply(s -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("upload_id", s.getUploadId());
            body.put("chunk_count", s.getChunkCount());
            body.put("expires_at", Json.isoSeconds(s.getExpiresAt().getSeconds()));
            return Json.response(HttpStatus.CREATED, body);
        });
    }

    private CompletableFuture<HttpResponse> complete(Request req) {
        MediaAsyncClient media = media(bearer(req));
        String uploadId = req.pathParam("upload_id");
        // The body is optional; when present it may carry the whole-file sha256.
        String sha256 = req.http().content().isEmpty() ? null : req.optional("sha256");
        return media.completeUpload(uploadId, sha256 == null ? "" : sha256)
                .handle((m, t) -> {
                    if (t == null) {
                        return CompletableFuture.completedFuture(Json.response(HttpStatus.OK, file(req.ctx(), m)));
                    }
                    FramegridException fe = unwrap(t) instanceof FramegridException e ? e : null;
                    if (fe != null && "CHUNKS_MISSING".equals(fe.reason())) {
                        // Name the missing chunks so the client can re-send exactly those.
                        return media.getUpload(uploadId).<HttpResponse>thenApply(s -> {
                            throw new ApiException(HttpStatus.BAD_REQUEST, "CHUNKS_MISSING", fe.getMessage(),
                                    Map.of("missing_chunks", s.getMissingChunksList(),
                                            "chunks_received", s.getChunksReceived(), "chunks_total", s.getChunkCount()));
                        });
                    }
                    return CompletableFuture.<HttpResponse>failedFuture(unwrap(t));
                })
                .thenCompose(f -> f);
    }

    private static Map<String, Object> status(UploadSession s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("upload_id", s.getUploadId());
        body.put("filename", s.getFilename());
        body.put("total_size", s.getTotalSize());
        body.put("chunk_size", s.getChunkSize());
        body.put("chunks_received", s.getChunksReceived());
        body.put("chunks_total", s.getChunkCount());
        body.put("missing_chunks", s.getMissingChunksList());
        body.put("expires_at", Json.isoSeconds(s.getExpiresAt().getSeconds()));
        return body;
    }

    private static Map<String, Object> file(ServiceRequestContext ctx, Media m) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("file_id", m.getMediaId());
        body.put("filename", m.getFilename());
        body.put("file_size", m.getSize());
        body.put("file_url", fileUrl(ctx, m.getMediaId()));
        body.put("sha256", m.getSha256());
        return body;
    }

    /** Absolute when the request named its host, so the URL works as given; relative otherwise. */
    private static String fileUrl(ServiceRequestContext ctx, String fileId) {
        String path = FILES_PATH + URLEncoder.encode(fileId, StandardCharsets.UTF_8);
        String authority = ctx.request().authority();
        return authority == null ? path : (ctx.sessionProtocol().isTls() ? "https" : "http") + "://" + authority + path;
    }

    // ---- chunk ---------------------------------------------------------------------------------------

    /** Multipart form: {@code chunk} (the bytes) and {@code chunk_index}; aggregated here, bounded by the route's cap. */
    private HttpService chunkService(Endpoints endpoints) {
        return (ctx, req) -> {
            CompletableFuture<HttpResponse> result;
            try {
                String token = bearer(req.headers().get(HttpHeaderNames.AUTHORIZATION));
                String uploadId = ctx.pathParam("upload_id");
                MediaType type = req.contentType();
                if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "UNSUPPORTED_CONTENT_TYPE",
                            "Request body must be multipart/form-data with fields 'chunk' and 'chunk_index'");
                }
                result = Multipart.from(req).aggregate().thenCompose(form -> {
                    int index = chunkIndex(form);
                    AggregatedBodyPart chunk = form.field("chunk");
                    if (chunk == null) {
                        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                                "Form field 'chunk' is required", Map.of("field", "chunk"));
                    }
                    return media(token).uploadChunk(uploadId, index, bytes(chunk.content()));
                }).thenApply(s -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("upload_id", s.getUploadId());
                    body.put("chunk_index", s.getChunkIndex());
                    body.put("chunks_received", s.getChunksReceived());
                    body.put("chunks_total", s.getChunkCount());
                    return Json.response(HttpStatus.OK, body);
                });
            } catch (RuntimeException e) {
                req.abort();
                result = CompletableFuture.failedFuture(e);
            }
            return HttpResponse.of(result.exceptionally(t -> endpoints.error(ctx, t)));
        };
    }

    private static int chunkIndex(AggregatedMultipart form) {
        AggregatedBodyPart field = form.field("chunk_index");
        if (field == null) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD",
                    "Form field 'chunk_index' is required", Map.of("field", "chunk_index"));
        }
        try {
            return Integer.parseInt(field.contentUtf8().trim());
        } catch (NumberFormatException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD",
                    "Form field 'chunk_index' must be an integer", Map.of("field", "chunk_index"));
        }
    }

    /** Wraps the aggregated (unpooled, heap) part without another copy; the protobuf message owns it from here. */
    private static ByteString bytes(HttpData data) {
        return UnsafeByteOperations.unsafeWrap(data.array());
    }

    // ---- download ------------------------------------------------------------------------------------

    private CompletableFuture<HttpResponse> download(Request req) {
        MediaAsyncClient media = media(bearer(req));
        String fileId = req.pathParam("file_id");
        return media.get(fileId).thenApply(m -> MediaDownloads.serve(req.ctx(), new MediaDownloads.Representation(
                m.getSize(), m.getContentType().isEmpty() ? "application/octet-stream" : m.getContentType(), m.getSha256(),
                HttpHeaders.builder()
                        .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename*=UTF-8''"
                                + URLEncoder.encode(m.getFilename(), StandardCharsets.UTF_8).replace("+", "%20"))
                        .set("X-Content-SHA256", m.getSha256()).build()),
                (offset, length, sink) -> media.download(fileId, offset, length, sink)));
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private MediaAsyncClient media(String token) {
        return client.withBearerToken(token).mediaAsync();
    }

    private static String bearer(Request req) {
        return req.bearerToken();
    }

    /** Same rules as {@link Request#bearerToken()}, for the chunk route, which reads its body as multipart. */
    private static String bearer(String header) {
        if (header == null || header.isBlank()) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "UNAUTHORIZED", "Not authenticated");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "UNAUTHORIZED", "Authorization header must be 'Bearer <token>'");
        }
        return header.substring(7).trim();
    }

    private static long positiveLong(Request req, String field) {
        ObjectNode json = req.json();
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "MISSING_FIELD", "Field '" + field + "' is required",
                    Map.of("field", field));
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() <= 0) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "INVALID_FIELD",
                    "Field '" + field + "' must be a positive integer", Map.of("field", field));
        }
        return value.asLong();
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
