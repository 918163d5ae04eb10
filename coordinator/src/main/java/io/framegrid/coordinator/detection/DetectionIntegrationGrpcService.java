package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.proto.detection.v1.DetectionIntegrationServiceGrpc;
import io.framegrid.proto.detection.v1.IntegrationNotification;
import io.framegrid.proto.detection.v1.IntegrationOutcome;
import io.framegrid.proto.media.v1.Media;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * The incoming side of the enginelabs.ai integration: a {@code model.trained} notification, signed with the shared
 * secret ({@code gateway.detection.enginelabs-secret}) as E's own webhooks are, makes the coordinator download the
 * trained ONNX file from the notification's {@code artifact_url} (at most 256 MB, into the media store, owned by the
 * integration) and add it as a model, exactly as an administrator's {@code POST /api/models}; nodes load it without a
 * restart. The signature is the authentication, so callers need no token.
 */
final class DetectionIntegrationGrpcService extends DetectionIntegrationServiceGrpc.DetectionIntegrationServiceImplBase {
    /** The media owner of models the integration registers. */
    static final String OWNER = "integration:enginelabs";
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    static final long MAX_ARTIFACT_BYTES = 256L << 20;

    private final String secret;
    private final DetectionModelGrpcService models;
    private final MediaLibrary media;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    DetectionIntegrationGrpcService(String secret, DetectionModelGrpcService models, MediaLibrary media, Clock clock) {
        this.secret = secret;
        this.models = models;
        this.media = media;
        this.clock = clock;
    }

    /** Verifies the notification and registers a trained model; other events are acknowledged and ignored. */
    @Override
    public void notify(IntegrationNotification request, StreamObserver<IntegrationOutcome> response) {
        Calls.answer(response, () -> {
            if (secret.isEmpty()) {
                throw Errors.of(Status.Code.UNAVAILABLE, "NOT_CONFIGURED", "The enginelabs integration is not configured");
            }
            verify(request.getSignature(), request.getBody().toByteArray());
            if (!"model.trained".equals(request.getEvent())) {
                return IntegrationOutcome.newBuilder().setOutcome("ignored").build();
            }
            AddedModel model = request.getModel();
            DetectionModelGrpcService.check(model);
            String mediaId = download(request.getArtifactUrl(), model.getModelId());
            AddedModel added = models.add(model.toBuilder().setMediaId(mediaId).build(), OWNER);
            return IntegrationOutcome.newBuilder().setOutcome("registered").setModelId(added.getModelId()).build();
        });
    }

    private void verify(String header, byte[] body) {
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.startsWith("t=")) {
                t = p.substring(2);
            } else if (p.startsWith("v1=")) {
                v1 = p.substring(3);
            }
        }
        long at;
        try {
            at = Long.parseLong(t == null ? "" : t);
        } catch (NumberFormatException e) {
            throw Errors.unauthenticated("INVALID_SIGNATURE", "X-Enginelabs-Signature must be t=<unix s>,v1=<hex>");
        }
        String expected = WebhookSignature.hmacHex(secret, (t + ".").getBytes(StandardCharsets.UTF_8), body);
        if (v1 == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                v1.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            throw Errors.unauthenticated("INVALID_SIGNATURE", "The signature does not match");
        }
        if (Math.abs(clock.millis() / 1000 - at) > MAX_SKEW.toSeconds()) {
            throw Errors.unauthenticated("INVALID_SIGNATURE", "The signature is too old");
        }
    }

    private String download(String url, String modelId) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw Errors.invalid("INVALID_ARTIFACT", "artifact_url must be an http(s) URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw Errors.invalid("INVALID_ARTIFACT", "artifact_url must be an http(s) URL");
        }
        String id = UUID.randomUUID().toString();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw Errors.of(Status.Code.FAILED_PRECONDITION, "ARTIFACT_UNAVAILABLE",
                        "The artifact answered HTTP " + r.statusCode());
            }
            MessageDigest sha = MediaLibrary.sha256();
            BlobStore.BlobWriter writer = media.store().create(MediaLibrary.blobKey(OWNER, id));
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > MAX_ARTIFACT_BYTES) {
                        throw Errors.invalid("INVALID_ARTIFACT", "The artifact is larger than 256 MB");
                    }
                    sha.update(buf, 0, n);
                    writer.write(buf, 0, n);
                }
                long size = writer.commit();
                Media m = media.register(id, OWNER, modelId + ".onnx", "application/octet-stream", size,
                        HexFormat.of().formatHex(sha.digest()), Map.of("product", "detection", "kind", "model"));
                return m.getMediaId();
            } finally {
                writer.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.of(Status.Code.UNAVAILABLE, "ARTIFACT_UNAVAILABLE", "Interrupted while downloading");
        } catch (java.io.IOException e) {
            throw Errors.of(Status.Code.FAILED_PRECONDITION, "ARTIFACT_UNAVAILABLE",
                    "The artifact could not be downloaded: " + e.getMessage());
        }
    }
}
