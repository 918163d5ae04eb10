package io.framegrid.sdk.detection;

import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionParams;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.jobs.v1.ListJobsResponse;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
     * Stores {@code image} and queues its detection with the caller's stored settings (threshold, GPU preference,
     * active model) and at most {@code maxPixels} decoded pixels.
     */
    public CompletableFuture<Job> detectAsync(byte[] image, String filename, String contentType, long maxPixels) {
        return settingsAsync().thenCompose(s -> detectAsync(image, filename, contentType, DetectionParams.newBuilder()
                .setConfidenceThreshold(Math.max(DetectionContract.MIN_CONFIDENCE, s.getConfidenceThreshold()))
                .setModelId(s.getModelId()).setUseGpu(s.getUseGpu()).setMaxPixels(maxPixels).build()));
    }

    /** The caller's settings: those of their newest {@code detection.settings} job, or the defaults. */
    public CompletableFuture<DetectionSettings> settingsAsync() {
        return client.jobsAsync().list(ListJobsRequest.newBuilder().setType(DetectionContract.SETTINGS).setLimit(1)
                .build()).thenApply(page -> page.getJobsCount() == 0 ? DetectionContract.defaultSettings()
                : DetectionContract.settings(page.getJobs(0).getMetadataMap()));
    }

    /**
     * Stores {@code settings} as the caller's: a {@code detection.settings} job carrying them, cancelled at once so
     * it holds no job slot (its metadata stays in the ledger either way). Refused settings fail INVALID_ARGUMENT.
     */
    public CompletableFuture<DetectionSettings> saveSettingsAsync(DetectionSettings settings) {
        return client.jobsAsync().submit(SubmitJobRequest.newBuilder().setType(DetectionContract.SETTINGS)
                        .setDisplayName("detection settings").putAllMetadata(DetectionContract.metadata(settings))
                        .build())
                // A node may have run its no-op task already; a finished job cannot be cancelled and needs not be.
                .thenCompose(job -> client.jobsAsync().cancel(job.getJobId()).handle((cancelled, t) -> settings));
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
     * The results the gpu-node stored for the completed {@code job}; FAILED_PRECONDITION with {@link #NOT_COMPLETED}
     * while it runs and {@link #DETECTION_FAILED} (with the job's own words) when it failed or was cancelled.
     */
    public CompletableFuture<DetectionResults> resultsAsync(Job job) {
        String resultsId;
        try {
            resultsId = resultsMedia(job);
        } catch (FramegridException e) {
            return CompletableFuture.failedFuture(e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        return client.mediaAsync().downloadTo(resultsId, bytes).thenApply(v -> {
            try {
                return DetectionResults.parseFrom(bytes.toByteArray());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new FramegridException(Status.Code.DATA_LOSS, "UNREADABLE_RESULTS",
                        "The results of detection " + job.getJobId() + " are unreadable", e);
            }
        });
    }

    private static String resultsMedia(Job job) {
        switch (job.getStatus()) {
            case JOB_STATUS_COMPLETED:
                return DetectionContract.ref(job, DetectionContract.RESULTS_REF).orElseThrow(() ->
                        new FramegridException(Status.Code.INTERNAL, "NO_RESULTS",
                                "Detection " + job.getJobId() + " completed without results", null));
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
