package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.WholeFormData;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * {@code POST /detection/upload}: the HTTP side of a detection. The multipart body is read whole (at most
 * {@code gateway.detection.max-upload-mb} and the form's overhead; an image is small enough) and its {@code image}
 * part taken with {@link WholeFormData}, its header checked (JPEG, PNG, WebP or
 * BMP, at most {@code gateway.detection.max-pixels}), then {@link DetectionClient} stores it and queues the job with
 * the caller's settings. Nothing is stored for a refused upload.
 */
@Description("Detection (E) uploads under /api and /api/v1, on the detection port")
public final class DetectionUploads {
    private final FramegridClient client;
    private final DetectionLimits limits;

    DetectionUploads(FramegridClient client, DetectionLimits limits) {
        this.client = client;
        this.limits = limits;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Uploaded(String detectionId, String message) {}

    /** Stores the image and queues its detection on a gpu-node. */
    @Post("/detection/upload")
    @Description("Uploads an image (multipart/form-data, field 'image': JPEG, PNG, WebP or BMP, at most "
            + "gateway.detection.max-upload-mb) and starts its detection with the caller's settings")
    public CompletableFuture<Uploaded> upload(ServiceRequestContext ctx, HttpRequest req) {
        String token = Credentials.bearer(req.headers());
        long declared = req.headers().contentLength();
        if (declared > limits.maxBytes() + DetectionApiRoutes.FORM_OVERHEAD_BYTES) {
            req.abort();
            throw tooLarge();
        }
        MediaType type = req.contentType();
        if (type == null || !type.is(MediaType.MULTIPART_FORM_DATA) || type.parameters().get("boundary") == null) {
            req.abort();
            throw ApiException.badRequest("INVALID_REQUEST",
                    "Request must be multipart/form-data with an 'image' field");
        }
        String boundary = type.parameters().get("boundary").get(0);
        return whole(req, limits.maxBytes() + DetectionApiRoutes.FORM_OVERHEAD_BYTES, ctx).exceptionally(t -> {
            throw exceeded(t) ? tooLarge() : ApiException.badRequest("INVALID_MULTIPART",
                    "Malformed multipart/form-data body");
        }).thenCompose(body -> {
            // Held whole anyway (an image is small enough), so the form is split in place (WholeFormData):
            // Armeria's streaming parser was a quarter of the gateway's CPU per upload.
            WholeFormData.Field image;
            try {
                image = WholeFormData.parse(body, boundary).field("image");
            } catch (WholeFormData.MalformedFormException e) {
                throw ApiException.badRequest("INVALID_MULTIPART", "Malformed multipart/form-data body: "
                        + e.getMessage());
            }
            if (image == null) {
                throw ApiException.badRequest("MISSING_IMAGE", "Form field 'image' is required");
            }
            if (image.length() > limits.maxBytes()) {
                throw tooLarge();
            }
            byte[] bytes = Arrays.copyOfRange(image.body(), image.offset(), image.offset() + image.length());
            ImageHeader header = ImageHeader.read(bytes).orElseThrow(() -> ApiException.badRequest("INVALID_IMAGE",
                    "The file is not an image: supported formats are JPEG, PNG, WebP and BMP"));
            if (header.pixels() > limits.maxPixels()) {
                throw ApiException.badRequest("IMAGE_TOO_LARGE", "The image is " + header.width() + "x"
                        + header.height() + " pixels; at most " + limits.maxPixels() + " pixels are accepted");
            }
            String filename = image.filename() == null || image.filename().isBlank()
                    ? "image." + header.format() : image.filename();
            return new DetectionClient(client.withBearerToken(token)).detectAsync(bytes, filename,
                    "image/" + header.format().toLowerCase(Locale.ROOT), limits.maxPixels());
        }).thenApply(job -> new Uploaded(job.getJobId(), "Image uploaded and detection initiated"));
    }

    /**
     * The body of {@code req}, read whole into one array; fails with {@link BodyTooLarge} as soon as more than
     * {@code max} bytes arrived, so a body without a declared length cannot grow past the limit in memory. (Armeria's
     * {@code aggregate()} of a request re-made with {@code map} does not run the mapping function, so a counting map
     * cannot cap it; and with {@code ctx.setMaxRequestLength} Armeria answers the oversized body itself, as the
     * generic {@code PAYLOAD_TOO_LARGE}, before this route can say {@code FILE_TOO_LARGE}.)
     */
    static CompletableFuture<byte[]> whole(HttpRequest req, long max, ServiceRequestContext ctx) {
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        long declared = req.headers().contentLength();
        req.subscribe(new Subscriber<HttpObject>() {
            private final ByteArrayOutputStream out =
                    new ByteArrayOutputStream((int) Math.max(0, Math.min(max, declared)));
            private Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(HttpObject o) {
                if (!(o instanceof HttpData data) || body.isDone()) {
                    return;
                }
                if (out.size() + (long) data.length() > max) {
                    subscription.cancel();
                    body.completeExceptionally(new BodyTooLarge());
                    return;
                }
                out.write(data.array(), 0, data.length());
            }

            @Override
            public void onError(Throwable t) {
                body.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                body.complete(out.toByteArray());
            }
        }, ctx.eventLoop());
        return body;
    }

    static boolean exceeded(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BodyTooLarge || c instanceof ContentTooLargeException) {
                return true;
            }
        }
        return false;
    }

    /** The body grew past the limit; no stack trace, it is the client's doing. */
    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("request body too large", null, false, false);
        }
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "FILE_TOO_LARGE",
                "File size exceeds " + limits.maxUploadMb() + "MB limit");
    }
}
