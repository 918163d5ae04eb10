package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.coordinator.identity.UserDirectory;
import io.framegrid.coordinator.identity.UserRecord;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectRequest;
import io.framegrid.proto.detection.v1.DetectionServiceGrpc;
import io.framegrid.proto.jobs.v1.Job;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Product E's one-call detection: the caller's settings are read, and the image and its job stored in one submit
 * transaction, so a job never exists without its image nor an image without its job. This is the upload path of
 * every image up to {@link DetectionContract#MAX_INLINE_IMAGE_BYTES}: one RPC and one transaction instead of a
 * settings read, a media upload (a file, an fsync and a media record) and a job submit.
 */
final class DetectionGrpcService extends DetectionServiceGrpc.DetectionServiceImplBase {
    static final int MAX_FILENAME_LENGTH = 255;

    private final JobLedger ledger;
    private final JobTypes types;
    private final DetectionSettingsStore settings;
    private final UserDirectory users;
    private final IgniteCache<String, byte[]> images;

    DetectionGrpcService(Ignite ignite, JobLedger ledger, JobTypes types, DetectionSettingsStore settings,
            UserDirectory users) {
        this.ledger = ledger;
        this.types = types;
        this.settings = settings;
        this.users = users;
        this.images = ignite.cache(CacheNames.DETECTION_IMAGES);
    }

    /** Queues the image's detection with the caller's settings; the image and the job commit together or not at all. */
    @Override
    public void detect(DetectRequest request, StreamObserver<Job> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            if (request.getImage().isEmpty()) {
                throw Errors.invalid("INVALID_IMAGE", "The image is empty");
            }
            if (request.getImage().size() > DetectionContract.MAX_INLINE_IMAGE_BYTES) {
                throw Errors.invalid("IMAGE_TOO_LARGE", "Images sent whole may have at most "
                        + DetectionContract.MAX_INLINE_IMAGE_BYTES + " bytes; larger ones go through the media store");
            }
            if (request.getMaxPixels() < 0) {
                throw Errors.invalid("INVALID_DETECTION_PARAMETERS", "max_pixels must not be negative");
            }
            String filename = request.getFilename().isBlank() ? "image" : request.getFilename().trim();
            if (filename.length() > MAX_FILENAME_LENGTH) {
                throw Errors.invalid("INVALID_FILENAME", "filename may have at most " + MAX_FILENAME_LENGTH
                        + " characters");
            }
            long maxPixels = request.getMaxPixels() == 0 ? DetectionContract.DEFAULT_MAX_PIXELS : request.getMaxPixels();
            Map<String, String> metadata = new LinkedHashMap<>(DetectionContract.metadata(
                    DetectionContract.paramsFor(settings.get(caller.userId()), maxPixels)));
            metadata.put(DetectionContract.INLINE_IMAGE, "true");
            metadata.put(DetectionContract.FILENAME, filename);
            List<StagePlan> stages;
            try {
                stages = types.plan(DetectionContract.DETECT, metadata).orElseThrow();
            } catch (IllegalArgumentException e) {
                throw Errors.invalid("INVALID_JOB_PARAMETERS", e.getMessage());
            }
            String tier = users.byId(caller.userId()).map(UserRecord::tier).orElse("free");
            byte[] image = request.getImage().toByteArray();
            // The image's key is the new job's id: locked by no ledger transaction, and its other writers (the node's
            // removal after the commit, the sweeper) lock nothing else, which keeps the hook's lock-order rule.
            return ledger.submit(caller.userId(), tier, DetectionContract.DETECT, filename, metadata, stages,
                    types.maxDuration(DetectionContract.DETECT), (jobId, owner) -> images.put(jobId, image)).getJob();
        });
    }
}
