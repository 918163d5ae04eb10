package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionOutcome;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.detection.v1.GetDetectionRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.detection.v1.DetectionHistoryServiceGrpc;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.DetectionRecords;
import io.framegrid.proto.detection.v1.HistoryPage;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Product E's reads: one detection with its results (over the job ledger) and the history RPCs over
 * {@link DetectionHistory}; every caller sees only their own detections.
 */
final class DetectionHistoryGrpcService extends DetectionHistoryServiceGrpc.DetectionHistoryServiceImplBase {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 500;

    private final DetectionHistory history;
    private final JobLedger ledger;
    private final MediaLibrary media;

    DetectionHistoryGrpcService(DetectionHistory history, JobLedger ledger, MediaLibrary media) {
        this.history = history;
        this.ledger = ledger;
        this.media = media;
    }

    /** The caller's detection and, once completed, its results; NOT_FOUND for anyone else's or a non-detection. */
    @Override
    public void getDetection(GetDetectionRequest request, StreamObserver<DetectionOutcome> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            JobState state = request.getDetectionId().isBlank() ? null
                    : ledger.state(request.getDetectionId()).orElse(null);
            if (state == null || !DetectionContract.DETECT.equals(state.getJob().getType())
                    || !state.getJob().getOwnerId().equals(caller.userId()) && !caller.isAdmin()) {
                throw Errors.notFound("DETECTION_NOT_FOUND", "Detection not found");
            }
            DetectionOutcome.Builder outcome = DetectionOutcome.newBuilder().setJob(state.getJob());
            if (state.getJob().getStatus() == JobStatus.JOB_STATUS_COMPLETED) {
                outcome.setResults(results(state.getJob()));
            }
            return outcome.build();
        });
    }

    /**
     * What the detection's one task committed; detections completed before results moved into the ledger carry
     * them as a media blob named by their result ref instead.
     */
    private DetectionResults results(Job job) {
        try {
            String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
            Optional<TaskOutput> output = ledger.output(taskId);
            if (output.isEmpty()) {
                // The completed job may be visible before its commit's output is: read it under the output's lock.
                output = ledger.committedOutput(taskId);
            }
            if (output.isPresent() && !output.get().getData().isEmpty()) {
                return DetectionResults.parseFrom(output.get().getData());
            }
            Optional<String> ref = DetectionContract.ref(job, DetectionContract.RESULTS_REF);
            Optional<Media> stored = ref.flatMap(media::get);
            if (stored.isPresent()) {
                try (InputStream in = media.store().open(stored.get().getStorageKey(), 0, -1)) {
                    return DetectionResults.parseFrom(in);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("The results of detection " + job.getJobId() + " are unreadable", e);
        }
        throw new IllegalStateException("Detection " + job.getJobId() + " completed without results");
    }

    /** One page of the caller's detections in the range, newest first, with the range's total. */
    @Override
    public void listHistory(HistoryRequest request, StreamObserver<HistoryPage> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            checkRange(request);
            int limit = request.getLimit() == 0 ? DEFAULT_LIMIT : request.getLimit();
            if (limit < 1 || limit > MAX_LIMIT || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PARAMETER", "limit must be 1.." + MAX_LIMIT + " and offset >= 0");
            }
            return history.page(caller.userId(), request.getFromMs(), request.getUntilMs(), limit,
                    request.getOffset());
        });
    }

    /**
     * Every record of the caller in the range, newest first, a grid page per message; sent only while the caller's stream is ready, so a slow
     * reader holds back the grid reads instead of filling memory.
     */
    @Override
    public void exportHistory(HistoryRequest request, StreamObserver<DetectionRecords> response) {
        Iterator<List<DetectionRecord>> records;
        try {
            Principal caller = Calls.caller();
            checkRange(request);
            records = history.export(caller.userId(), request.getFromMs(), request.getUntilMs());
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<DetectionRecords> call = (ServerCallStreamObserver<DetectionRecords>) response;
        Object lock = new Object();
        boolean[] finished = {false};
        Runnable drain = () -> {
            synchronized (lock) {
                try {
                    while (!finished[0] && !call.isCancelled() && call.isReady() && records.hasNext()) {
                        call.onNext(DetectionRecords.newBuilder().addAllRecords(records.next()).build());
                    }
                    if (!finished[0] && !call.isCancelled() && !records.hasNext()) {
                        finished[0] = true;
                        call.onCompleted();
                    }
                } catch (RuntimeException e) {
                    if (!finished[0]) {
                        finished[0] = true;
                        call.onError(Errors.toStatus(e));
                    }
                }
            }
        };
        call.setOnCancelHandler(() -> {
            synchronized (lock) {
                finished[0] = true;
            }
        });
        call.setOnReadyHandler(drain);
        drain.run();
    }

    private static void checkRange(HistoryRequest request) {
        if (request.getFromMs() < 0 || request.getUntilMs() < 0
                || request.getUntilMs() > 0 && request.getFromMs() >= request.getUntilMs()) {
            throw Errors.invalid("INVALID_DATE_RANGE", "The start of the range must be before its end");
        }
    }
}
