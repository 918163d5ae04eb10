package io.framegrid.sdk.detection;

import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectRequest;
import io.framegrid.proto.detection.v1.DetectionParams;
import io.framegrid.proto.detection.v1.DetectionServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionOutcome;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.detection.v1.GetDetectionRequest;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.proto.detection.v1.DeliveryList;
import io.framegrid.proto.detection.v1.DetectionIntegrationServiceGrpc;
import io.framegrid.proto.detection.v1.IntegrationNotification;
import io.framegrid.proto.detection.v1.IntegrationOutcome;
import io.framegrid.proto.detection.v1.DetectionModelServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionHistoryServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionWebhookServiceGrpc;
import io.framegrid.proto.detection.v1.ListWebhooksRequest;
import io.framegrid.proto.detection.v1.RegisterWebhookRequest;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookList;
import io.framegrid.proto.detection.v1.WebhookRef;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.detection.v1.DetectionSettingsServiceGrpc;
import io.framegrid.proto.detection.v1.GetSettingsRequest;
import io.framegrid.proto.detection.v1.HistoryPage;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.ListJobsResponse;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Product E over gRPC: {@link #detectAsync} stores an image in the caller's media and queues its detection job (one
 * task on a gpu-node); {@link #jobAsync} and {@link #resultsAsync} read it back, {@link #listAsync} pages the caller's
 * detections. Build it on a client carrying the caller's credentials, e.g.
 * {@code client.withBearerToken(token).product(DetectionClient.class)}.
 */
public final class DetectionClient {
    /** The reason {@link #resultsAsync} fails with after a failed or cancelled detection. */
    public static final String DETECTION_FAILED = "DETECTION_FAILED";
    /** The reason a detection that is not the caller's (or not a detection) is NOT_FOUND with. */
    public static final String DETECTION_NOT_FOUND = "DETECTION_NOT_FOUND";
    /** The reason {@link #resultsAsync} fails with while the detection still runs. */
    public static final String NOT_COMPLETED = "NOT_COMPLETED";

    private final FramegridClient client;

    public DetectionClient(FramegridClient client) {
        this.client = client;
    }

    /**
     * Stores {@code image} and queues its detection with {@code params}; completes with the queued job (its id is
     * the detection id). When the job cannot be queued the stored image is deleted again before the future fails.
     */
    public CompletableFuture<Job> detectAsync(byte[] image, String filename, String contentType,
            DetectionParams params) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename).setContentType(contentType)
                        .setSize(image.length).putMetadata("product", DetectionContract.PRODUCT).build(),
                new ByteArrayInputStream(image)).thenCompose(media -> client.jobsAsync().submit(
                        SubmitJobRequest.newBuilder().setType(DetectionContract.DETECT).setDisplayName(filename)
                                .putAllMetadata(DetectionContract.metadata(params))
                                .putMetadata(DetectionContract.MEDIA_ID, media.getMediaId()).build())
                .handle((job, t) -> t == null ? CompletableFuture.completedFuture(job)
                        : client.mediaAsync().delete(media.getMediaId()).<Job>handle((deleted, e) -> {
                            throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                        }))
                .thenCompose(f -> f));
    }

    /**
     * Stores {@code image} in the caller's media and queues its detection with the caller's stored settings
     * (threshold, GPU preference, active model) and at most {@code maxPixels} decoded pixels. An image of up to
     * {@link DetectionContract#MAX_INLINE_IMAGE_BYTES} goes in one call ({@code DetectionService.Detect}: the media
     * record and the job in one transaction); a larger one is streamed to the media store first and then submitted.
     * {@code image} is sent without a copy and must not change until the future completes.
     */
    public CompletableFuture<Job> detectAsync(byte[] image, String filename, String contentType, long maxPixels) {
        if (image.length <= DetectionContract.MAX_INLINE_IMAGE_BYTES) {
            return CallSupport.toCompletable(client.prepared(DetectionServiceGrpc.newFutureStub(client.channel()))
                    .detect(DetectRequest.newBuilder().setImage(UnsafeByteOperations.unsafeWrap(image))
                            .setFilename(filename).setContentType(contentType).setMaxPixels(maxPixels).build()));
        }
        return settingsAsync().thenCompose(s -> detectAsync(image, filename, contentType,
                DetectionContract.paramsFor(s, maxPixels)));
    }

    /** The caller's settings (the coordinator's {@code DetectionSettingsService}); the defaults until changed. */
    public CompletableFuture<DetectionSettings> settingsAsync() {
        return CallSupport.toCompletable(settingsStub().getSettings(GetSettingsRequest.getDefaultInstance()));
    }

    /**
     * Changes the fields {@code update} sets, atomically in the grid; completes with the settings as stored.
     * INVALID_ARGUMENT (reason INVALID_SETTINGS) for an empty update or a threshold outside 0..1.
     */
    public CompletableFuture<DetectionSettings> updateSettingsAsync(SettingsUpdate update) {
        return CallSupport.toCompletable(settingsStub().updateSettings(update));
    }

    /** One page of the caller's completed detections in the request's range, newest first. */
    public CompletableFuture<HistoryPage> historyAsync(HistoryRequest request) {
        return CallSupport.toCompletable(historyFutureStub().listHistory(request));
    }

    /**
     * Streams every completed detection of the caller in the request's range, newest first, with flow control: the
     * server sends only what {@link HistoryExport#request} asked for, so a slow consumer holds back the grid reads.
     */
    public HistoryExport exportHistory(HistoryRequest request, HistoryExport.Sink sink) {
        return new HistoryExport(client.prepared(DetectionHistoryServiceGrpc.newStub(client.channel()))
                .withDeadline(null), request, sink);
    }

    /** Registers an outgoing webhook (http(s) URL, secret of 16-256 characters) for the caller; no secret comes back. */
    public CompletableFuture<Webhook> registerWebhookAsync(String url, String secret) {
        return CallSupport.toCompletable(webhookStub().registerWebhook(RegisterWebhookRequest.newBuilder().setUrl(url)
                .setSecret(secret).build()));
    }

    /** The caller's webhooks, oldest first. */
    public CompletableFuture<WebhookList> webhooksAsync() {
        return CallSupport.toCompletable(webhookStub().listWebhooks(ListWebhooksRequest.getDefaultInstance()));
    }

    /** Removes the caller's webhook; NOT_FOUND (WEBHOOK_NOT_FOUND) for anyone else's. */
    public CompletableFuture<Webhook> deleteWebhookAsync(String webhookId) {
        return CallSupport.toCompletable(webhookStub().deleteWebhook(WebhookRef.newBuilder().setWebhookId(webhookId)
                .build()));
    }

    /** The deliveries to the caller's webhook, newest first, with their outcome. */
    public CompletableFuture<DeliveryList> deliveriesAsync(String webhookId) {
        return CallSupport.toCompletable(webhookStub().listDeliveries(WebhookRef.newBuilder().setWebhookId(webhookId)
                .build()));
    }

    /**
     * Administrators: streams an ONNX file into the caller's media and adds it as a detection model with
     * {@code manifest} (its media id is filled in); the gpu-nodes load it without a restart. When the coordinator
     * refuses the manifest the uploaded file is deleted again.
     */
    public CompletableFuture<AddedModel> addModelAsync(java.io.InputStream onnx, String filename, AddedModel manifest) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename)
                        .setContentType("application/octet-stream").putMetadata("product", DetectionContract.PRODUCT)
                        .putMetadata("kind", "model").build(), onnx)
                .thenCompose(media -> CallSupport.toCompletable(client.prepared(
                                DetectionModelServiceGrpc.newFutureStub(client.channel()))
                        .addModel(manifest.toBuilder().setMediaId(media.getMediaId()).build()))
                        .handle((added, t) -> t == null ? CompletableFuture.completedFuture(added)
                                : client.mediaAsync().delete(media.getMediaId()).<AddedModel>handle((d, e) -> {
                                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                                }))
                        .thenCompose(f -> f));
    }

    /** Forwards a signed enginelabs.ai notification to the coordinator, which verifies it (no caller token needed). */
    public CompletableFuture<IntegrationOutcome> notifyIntegrationAsync(IntegrationNotification notification) {
        return CallSupport.toCompletable(client.prepared(DetectionIntegrationServiceGrpc.newFutureStub(
                client.channel())).notify(notification));
    }

    private DetectionWebhookServiceGrpc.DetectionWebhookServiceFutureStub webhookStub() {
        return client.prepared(DetectionWebhookServiceGrpc.newFutureStub(client.channel()));
    }

    private DetectionSettingsServiceGrpc.DetectionSettingsServiceFutureStub settingsStub() {
        return client.prepared(DetectionSettingsServiceGrpc.newFutureStub(client.channel()));
    }

    private DetectionHistoryServiceGrpc.DetectionHistoryServiceFutureStub historyFutureStub() {
        return client.prepared(DetectionHistoryServiceGrpc.newFutureStub(client.channel()));
    }

    /** The caller's detection {@code detectionId}; NOT_FOUND for anyone else's, or for a job of another product. */
    public CompletableFuture<Job> jobAsync(String detectionId) {
        return client.jobsAsync().get(detectionId).handle((job, t) -> {
            if (t != null) {
                FramegridException e = FramegridException.from(t instanceof CompletionException && t.getCause() != null
                        ? t.getCause() : t);
                throw e.code() == Status.Code.NOT_FOUND ? notFound() : e;
            }
            if (!DetectionContract.DETECT.equals(job.getType())) {
                throw notFound();
            }
            return job;
        });
    }

    private static FramegridException notFound() {
        return new FramegridException(Status.Code.NOT_FOUND, DETECTION_NOT_FOUND, "Detection not found", null);
    }

    /** The caller's detections, newest first: {@code limit} of them after skipping {@code offset}. */
    public CompletableFuture<ListJobsResponse> listAsync(int limit, int offset) {
        return client.jobsAsync().list(ListJobsRequest.newBuilder().setType(DetectionContract.DETECT)
                .setLimit(limit).setOffset(offset).build());
    }

    /**
     * The caller's detection {@code detectionId} with its results once completed, in one call; NOT_FOUND
     * ({@link #DETECTION_NOT_FOUND}) for anyone else's, an unknown id, or a job of another product.
     */
    public CompletableFuture<DetectionOutcome> detectionAsync(String detectionId) {
        return CallSupport.toCompletable(historyFutureStub().getDetection(GetDetectionRequest.newBuilder()
                .setDetectionId(detectionId).build()));
    }

    /**
     * The results of the completed {@code job}; FAILED_PRECONDITION with {@link #NOT_COMPLETED} while it runs and
     * {@link #DETECTION_FAILED} (with the job's own words) when it failed or was cancelled.
     */
    public CompletableFuture<DetectionResults> resultsAsync(Job job) {
        try {
            requireCompleted(job);
        } catch (FramegridException e) {
            return CompletableFuture.failedFuture(e);
        }
        return detectionAsync(job.getJobId()).thenApply(DetectionOutcome::getResults);
    }

    private static void requireCompleted(Job job) {
        switch (job.getStatus()) {
            case JOB_STATUS_COMPLETED:
                return;
            case JOB_STATUS_FAILED:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, DETECTION_FAILED,
                        DetectionContract.userError(job.getErrorMessage()), null);
            case JOB_STATUS_CANCELLED:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, DETECTION_FAILED,
                        "The detection was cancelled", null);
            default:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, NOT_COMPLETED,
                        "Detection " + job.getJobId() + " is not completed yet", null);
        }
    }

}
