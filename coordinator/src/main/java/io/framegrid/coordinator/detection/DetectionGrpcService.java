package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.coordinator.identity.UserDirectory;
import io.framegrid.coordinator.identity.UserRecord;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectRequest;
import io.framegrid.proto.detection.v1.DetectionServiceGrpc;
import io.framegrid.proto.jobs.v1.Job;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Product E's one-call upload: the caller's settings are read here, the image is written to the media store and
 * fsynced, and its media record and detection job are stored in one submit transaction. What the gateway did before
 * in three calls and two transactions (a settings read, a streamed media upload with its own record, a job submit)
 * is one call and one transaction, with the same durability: the node reads the image from the media store as for
 * any other detection job.
 */
final class DetectionGrpcService extends DetectionServiceGrpc.DetectionServiceImplBase {
    static final int MAX_FILENAME_LENGTH = 255;
    private static final Logger LOG = LoggerFactory.getLogger(DetectionGrpcService.class);

    private final JobLedger ledger;
    private final JobTypes types;
    private final DetectionSettingsStore settings;
    private final MediaLibrary media;
    private final UserDirectory users;

    DetectionGrpcService(JobLedger ledger, JobTypes types, DetectionSettingsStore settings, MediaLibrary media,
            UserDirectory users) {
        this.ledger = ledger;
        this.types = types;
        this.settings = settings;
        this.media = media;
        this.users = users;
    }

    /**
     * Stores the image in the caller's media and queues its detection with their settings; the media record and the
     * job commit together or not at all, and a refused job leaves no file behind.
     */
    @Override
    public void detect(DetectRequest request, StreamObserver<Job> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            if (request.getImage().isEmpty()) {
                throw Errors.invalid("INVALID_IMAGE", "The image is empty");
            }
            if (request.getImage().size() > DetectionContract.MAX_INLINE_IMAGE_BYTES) {
                throw Errors.invalid("IMAGE_TOO_LARGE", "Images sent whole may have at most "
                        + DetectionContract.MAX_INLINE_IMAGE_BYTES + " bytes; upload larger ones to the media store");
            }
            if (request.getMaxPixels() < 0) {
                throw Errors.invalid("INVALID_DETECTION_PARAMETERS", "max_pixels must not be negative");
            }
            String filename = request.getFilename().isBlank() ? "image" : request.getFilename().trim();
            if (filename.length() > MAX_FILENAME_LENGTH) {
                throw Errors.invalid("INVALID_FILENAME", "filename may have at most " + MAX_FILENAME_LENGTH
                        + " characters");
            }
            String tier = users.byId(caller.userId()).map(UserRecord::tier).orElse("free");
            long max = media.maxBytes(tier);
            if (request.getImage().size() > max) {
                throw MediaLibrary.tooLarge(max);
            }
            long maxPixels = request.getMaxPixels() == 0 ? DetectionContract.DEFAULT_MAX_PIXELS : request.getMaxPixels();
            String mediaId = UUID.randomUUID().toString();
            Map<String, String> metadata = new LinkedHashMap<>(DetectionContract.metadata(
                    DetectionContract.paramsFor(settings.get(caller.userId()), maxPixels)));
            metadata.put(DetectionContract.MEDIA_ID, mediaId);
            List<StagePlan> stages;
            try {
                stages = types.plan(DetectionContract.DETECT, metadata).orElseThrow();
            } catch (IllegalArgumentException e) {
                throw Errors.invalid("INVALID_JOB_PARAMETERS", e.getMessage());
            }
            String sha256 = write(MediaLibrary.blobKey(caller.userId(), mediaId), request);
            try {
                // The media id is new: no ledger transaction, nor any other, locks it, which keeps the hook's
                // lock-order rule. The record commits with the job, so neither exists without the other.
                return ledger.submit(caller.userId(), tier, DetectionContract.DETECT, filename, metadata, stages,
                        types.maxDuration(DetectionContract.DETECT), (jobId, owner) -> media.register(mediaId, owner,
                                filename, request.getContentType(), request.getImage().size(), sha256,
                                Map.of("product", DetectionContract.PRODUCT))).getJob();
            } catch (RuntimeException e) {
                deleteQuietly(MediaLibrary.blobKey(caller.userId(), mediaId));
                throw e;
            }
        });
    }

    /** Writes and fsyncs the image's blob before anything names it; returns its SHA-256 (hex). */
    private String write(String key, DetectRequest request) {
        java.security.MessageDigest digest = MediaLibrary.sha256();
        try (BlobStore.BlobWriter writer = media.store().create(key)) {
            for (ByteBuffer buffer : request.getImage().asReadOnlyByteBufferList()) {
                digest.update(buffer.duplicate());
                writer.write(buffer);
            }
            writer.commit();
        } catch (IOException e) {
            LOG.warn("Cannot store a detection image: {}", e.toString());
            throw Errors.of(Status.Code.INTERNAL, "STORAGE_ERROR", "Storage error: " + e.getMessage());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private void deleteQuietly(String key) {
        try {
            media.store().delete(key);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot delete the image {} of a refused detection: {}", key, e.toString());
        }
    }
}
