package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.AggregatedBodyPart;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Head;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.MediaDownloads;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.StreamedFileUpload;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.media.MediaAsyncClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /api/v1/files}: a project's uploads (a video streamed, never held whole, and probed on a gpu-node; images
 * checked one by one), its files, and downloads of each kind with HEAD and Range. Nothing is kept of a refused upload.
 */
@Description("Reconstruction (D) files, on the reconstruction port")
public final class FileRoutes {
    static final List<String> VIDEO_EXTENSIONS = List.of("mp4", "avi", "mov", "mkv");
    static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "tiff", "tif");
    static final List<String> FILE_TYPES = List.of("video", "frames", "mesh", "textured_mesh", "point_cloud");

    private final FramegridClient client;
    private final ReconstructionLimits limits;
    private final StreamedFileUpload<Media> video;

    FileRoutes(FramegridClient client, ReconstructionLimits limits) {
        this.client = client;
        this.limits = limits;
        this.video = new StreamedFileUpload<>("file", VIDEO_EXTENSIONS, "video/", limits.maxUploadMb());
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VideoUploaded(String message, String filePath, long fileSize, long projectId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ImagesUploaded(String message, int count, long totalSize, long projectId, List<String> files) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FileEntry(String fileType, String filename, long fileSize, String contentType, String createdAt,
                            String downloadUrl) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FileList(long projectId, List<FileEntry> files) {}

    @Post("/files/upload/video")
    @Description("Uploads the project's video (multipart/form-data: file, project_id; MP4, AVI, MOV or MKV, at most "
            + "gateway.reconstruction.max-upload-mb); it is probed on a gpu-node and replaces an earlier one")
    public CompletableFuture<VideoUploaded> uploadVideo(ServiceRequestContext ctx, HttpRequest req) {
        // Read by hand: a @Param would make Armeria aggregate the multipart body to look for it.
        Optional<String> queryProject = Optional.ofNullable(ctx.queryParam("project_id"));
        String token = Credentials.bearer(req.headers());
        checkMultipart(req, video.maxBytes() + (1L << 20), video.tooLarge());
        ReconstructionClient recon = new ReconstructionClient(client.withBearerToken(token), limits.probeTimeout());
        Map<String, String> fields = new ConcurrentHashMap<>();
        return video.receive(ctx, Multiparts.from(req), new StreamedFileUpload.Store<>() {
            @Override
            public CompletableFuture<Media> upload(InputStream content, String filename, String contentType) {
                return recon.storeVideoAsync(content, filename, contentType);
            }

            @Override
            public CompletableFuture<?> discard(Media stored) {
                return recon.discard(stored);
            }
        }, fields).thenCompose(media -> {
            long projectId;
            try {
                projectId = Callers.id("body", "project_id", queryProject.orElse(fields.get("project_id")));
            } catch (ApiException e) {
                return recon.discard(media).thenApply(v -> {
                    throw e;
                });
            }
            return recon.attachVideoAsync(projectId, media).thenApply(p -> new VideoUploaded(
                    "Video uploaded successfully", "projects/" + projectId + "/video/" + media.getFilename(),
                    media.getSize(), projectId));
        }).whenComplete((v, t) -> {
            if (t != null) {
                req.abort();
            }
        });
    }

    @Post("/files/upload/images")
    @Description("Adds images to the project (multipart/form-data: field 'files' repeated, project_id; JPG, JPEG, PNG "
            + "or TIFF, each checked; at most gateway.reconstruction.max-images-upload-mb in all)")
    public CompletableFuture<ImagesUploaded> uploadImages(ServiceRequestContext ctx, HttpRequest req) {
        Optional<String> queryProject = Optional.ofNullable(ctx.queryParam("project_id"));
        String token = Credentials.bearer(req.headers());
        long max = (long) limits.maxImagesUploadMb() << 20;
        ApiException tooLarge = new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                "Upload exceeds " + limits.maxImagesUploadMb() + "MB limit");
        checkMultipart(req, max, tooLarge);
        ReconstructionClient recon = new ReconstructionClient(client.withBearerToken(token));
        return Multiparts.from(capped(req, max)).aggregate().exceptionally(t -> {
            throw exceeded(t) ? tooLarge : ApiException.badRequest("INVALID_MULTIPART",
                    "Malformed multipart/form-data body");
        }).thenCompose(form -> {
            AggregatedBodyPart projectField = form.field("project_id");
            long projectId = Callers.id("body", "project_id", queryProject.orElse(projectField == null ? null
                    : projectField.contentUtf8()));
            List<AggregatedBodyPart> images = form.fields("files");
            if (images.isEmpty()) {
                throw Callers.missing("body", "files");
            }
            for (AggregatedBodyPart part : images) {
                check(part);
            }
            return recon.getAsync(projectId).thenCompose(p -> storeAll(recon, projectId, images))
                    .thenCompose(stored -> recon.attachImagesAsync(projectId, stored).thenApply(p ->
                            new ImagesUploaded("Images uploaded successfully", stored.size(),
                                    stored.stream().mapToLong(Media::getSize).sum(), projectId,
                                    stored.stream().map(Media::getFilename).toList())));
        });
    }

    private CompletableFuture<List<Media>> storeAll(ReconstructionClient recon, long projectId,
            List<AggregatedBodyPart> images) {
        List<Media> stored = new ArrayList<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (AggregatedBodyPart part : images) {
            chain = chain.thenCompose(v -> recon.uploadImageAsync(projectId,
                    new ByteArrayInputStream(part.content().array()), part.filename(), imageType(part.filename()))
                    .thenAccept(stored::add));
        }
        return chain.handle((v, t) -> {
            if (t != null) {
                stored.forEach(recon::discard);
                throw t instanceof java.util.concurrent.CompletionException ce ? ce
                        : new java.util.concurrent.CompletionException(t);
            }
            return stored;
        });
    }

    /** The part must be named as an image of an accepted format and start as one (JPEG, PNG or TIFF). */
    static void check(AggregatedBodyPart part) {
        String name = part.filename() == null ? "" : part.filename();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!IMAGE_EXTENSIONS.contains(ext)) {
            throw ApiException.badRequest("INVALID_FORMAT", "Invalid file format for '" + name
                    + "'. Supported formats: JPG, JPEG, PNG, TIFF");
        }
        byte[] b = part.content().array();
        boolean jpeg = b.length > 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
        boolean png = b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
        boolean tiff = b.length > 4 && (b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0
                || b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42);
        boolean matches = switch (ext) {
            case "jpg", "jpeg" -> jpeg;
            case "png" -> png;
            default -> tiff;
        };
        if (!matches) {
            throw ApiException.badRequest("INVALID_IMAGE", "'" + name + "' is not a valid " + ext.toUpperCase(Locale.ROOT)
                    + " image");
        }
    }

    static String imageType(String filename) {
        String n = filename.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") ? "image/png" : n.endsWith(".tif") || n.endsWith(".tiff") ? "image/tiff" : "image/jpeg";
    }

    @Get("/files/list/{project_id}")
    @Description("The project's files: its video, images, extracted frames and reconstruction outputs")
    public CompletableFuture<FileList> list(ServiceRequestContext ctx, @Param("project_id") String projectId) {
        long id = Callers.id("path", "project_id", projectId);
        FramegridClient caller = Callers.as(client, ctx.request().headers());
        ReconstructionClient recon = new ReconstructionClient(caller);
        return recon.getAsync(id).thenCompose(p -> {
            List<CompletableFuture<FileEntry>> entries = new ArrayList<>();
            if (!p.getVideoMediaId().isEmpty()) {
                entries.add(entry(caller, "video", p.getVideoMediaId(), id));
            }
            for (String image : p.getImageMediaIdsList()) {
                entries.add(entry(caller, "image", image, id));
            }
            return outputs(caller, p).thenCompose(out -> {
                out.forEach((type, mediaId) -> entries.add(entry(caller, type, mediaId, id)));
                return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new)).thenApply(v ->
                        new FileList(id, entries.stream().map(CompletableFuture::join).filter(e -> e != null).toList()));
            });
        });
    }

    private static CompletableFuture<FileEntry> entry(FramegridClient caller, String type, String mediaId, long project) {
        return caller.mediaAsync().get(mediaId).handle((m, t) -> t != null ? null : new FileEntry(type, m.getFilename(),
                m.getSize(), m.getContentType(), io.framegrid.gateway.http.Users.iso(m.getCreatedAt()),
                "image".equals(type) ? null : ReconstructionApiRoutes.PREFIX + "/files/download/" + project + "/" + type));
    }

    /** The media of each downloadable kind the project's newest jobs produced. */
    private static CompletableFuture<Map<String, String>> outputs(FramegridClient caller, Project p) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (!p.getFramesZipMediaId().isEmpty()) {
            out.put("frames", p.getFramesZipMediaId());
        }
        if (p.getReconstructJobId().isEmpty()) {
            return CompletableFuture.completedFuture(out);
        }
        return caller.jobsAsync().get(p.getReconstructJobId()).handle((job, t) -> {
            if (t == null) {
                put(out, job, "point_cloud", ReconstructionContract.POINT_CLOUD_REF);
                put(out, job, "mesh", ReconstructionContract.MESH_REF);
                put(out, job, "textured_mesh", ReconstructionContract.TEXTURED_MESH_REF);
            }
            return out;
        });
    }

    private static void put(Map<String, String> out, Job job, String type, String ref) {
        if (job.getStatus() == io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_COMPLETED) {
            ReconstructionContract.ref(job, ref).ifPresent(id -> out.put(type, id));
        }
    }

    @Get("/files/download/{project_id}/{file_type}")
    @Head("/files/download/{project_id}/{file_type}")
    @Description("Downloads one of the project's files: video, frames (a zip of JPEGs), mesh, textured_mesh "
            + "(vertex-coloured PLY) or point_cloud (PLY); HEAD and Range supported")
    public CompletableFuture<HttpResponse> download(ServiceRequestContext ctx, @Param("project_id") String projectId,
            @Param("file_type") String fileType) {
        long id = Callers.id("path", "project_id", projectId);
        if (!FILE_TYPES.contains(fileType)) {
            throw Callers.invalid("path", "file_type", "file_type must be one of " + String.join(", ", FILE_TYPES));
        }
        FramegridClient caller = Callers.as(client, ctx.request().headers());
        return new ReconstructionClient(caller).getAsync(id).thenCompose(p -> {
            CompletableFuture<Map<String, String>> out = fileType.equals("video")
                    ? CompletableFuture.completedFuture(p.getVideoMediaId().isEmpty() ? Map.of()
                    : Map.of("video", p.getVideoMediaId())) : outputs(caller, p);
            return out.thenCompose(files -> {
                String mediaId = files.get(fileType);
                if (mediaId == null) {
                    throw new ApiException(HttpStatus.NOT_FOUND, "FILE_NOT_FOUND", "No " + fileType
                            + " file for this project yet");
                }
                MediaAsyncClient media = caller.mediaAsync();
                return media.get(mediaId).thenApply(m -> MediaDownloads.serve(ctx, new MediaDownloads.Representation(
                        m.getSize(), contentType(fileType, m), m.getSha256(), HttpHeaders.of(
                        HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename*=UTF-8''"
                                + URLEncoder.encode(filename(p, fileType, m), StandardCharsets.UTF_8)
                                .replace("+", "%20"))),
                        (offset, length, sink) -> media.download(mediaId, offset, length, sink)));
            });
        });
    }

    private static String contentType(String fileType, Media m) {
        return switch (fileType) {
            case "frames" -> "application/zip";
            case "mesh", "textured_mesh", "point_cloud" -> "application/octet-stream";
            default -> m.getContentType();
        };
    }

    private static String filename(Project p, String fileType, Media m) {
        return switch (fileType) {
            case "video" -> m.getFilename();
            case "frames" -> "project-" + p.getId() + "-frames.zip";
            default -> "project-" + p.getId() + "-" + fileType + ".ply";
        };
    }

    private static void checkMultipart(HttpRequest req, long max, ApiException tooLarge) {
        if (req.headers().contentLength() > max + (1L << 20)) {
            req.abort();
            throw tooLarge;
        }
        MediaType type = req.contentType();
        if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
            req.abort();
            throw ApiException.badRequest("INVALID_REQUEST", "Request must be multipart/form-data");
        }
    }

    private static HttpRequest capped(HttpRequest req, long max) {
        AtomicLong seen = new AtomicLong();
        return HttpRequest.of(req.headers(), req.map(o -> {
            if (o instanceof com.linecorp.armeria.common.HttpData data && seen.addAndGet(data.length()) > max) {
                throw new BodyTooLarge();
            }
            return o;
        }));
    }

    private static boolean exceeded(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BodyTooLarge || c instanceof com.linecorp.armeria.common.ContentTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("request body too large", null, false, false);
        }
    }
}
