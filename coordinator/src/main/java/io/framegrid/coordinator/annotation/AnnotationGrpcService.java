package io.framegrid.coordinator.annotation;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.ButtonSample;
import io.framegrid.proto.annotation.v1.ListVideosRequest;
import io.framegrid.proto.annotation.v1.PutButtonStatesRequest;
import io.framegrid.proto.annotation.v1.PutButtonTimestampsRequest;
import io.framegrid.proto.annotation.v1.PutVideoSegmentsRequest;
import io.framegrid.proto.annotation.v1.ShiftRequest;
import io.framegrid.proto.annotation.v1.ShiftTarget;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.VideoList;
import io.framegrid.proto.annotation.v1.VideoSegment;
import io.framegrid.proto.annotation.v1.AnnotationServiceGrpc;
import io.framegrid.proto.annotation.v1.CommitRequest;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.NextUnannotatedRequest;
import io.framegrid.proto.annotation.v1.PutTelemetryRequest;
import io.framegrid.proto.annotation.v1.RegisterVideoRequest;
import io.framegrid.proto.annotation.v1.StartRequest;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.annotation.v1.VideoRef;
import io.framegrid.proto.media.v1.Media;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Product A's RPCs over {@link AnnotationLedger}. Every caller must be signed in; the pool is shared by all of them
 * (any annotator may claim any video). The ledger's refusals become gRPC statuses with their reason here.
 */
final class AnnotationGrpcService extends AnnotationServiceGrpc.AnnotationServiceImplBase {
    private static final int MAX_TELEMETRY_POINTS = 1_000_000;
    /** Most button samples or segments one upload may hold (a day of 10 Hz button data fits). */
    static final int MAX_SYNC_ITEMS = 1_000_000;
    private static final long MAX_OFFSET_US = 86_400L * 1_000_000;
    private static final long SEGMENT_SLACK_MS = 1_000;

    private final AnnotationLedger ledger;
    private final MediaLibrary media;
    private final Clock clock;

    AnnotationGrpcService(AnnotationLedger ledger, MediaLibrary media, Clock clock) {
        this.ledger = ledger;
        this.media = media;
        this.clock = clock;
    }

    /** Adds the caller's probed upload to the pool; idempotent per media id. */
    @Override
    public void registerVideo(RegisterVideoRequest request, StreamObserver<Video> response) {
        answer(response, () -> {
            Principal caller = caller();
            Media m = media.get(request.getMediaId())
                    .filter(found -> found.getOwnerId().equals(caller.userId()) || caller.isAdmin())
                    .orElseThrow(() -> Errors.notFound("MEDIA_NOT_FOUND", "Media not found"));
            Map<String, String> probe = m.getProbeMap();
            if (!probe.containsKey(AnnotationContract.FRAMES)) {
                throw Errors.of(io.grpc.Status.Code.FAILED_PRECONDITION, "VIDEO_NOT_PROBED",
                        "The video has not been probed");
            }
            return ledger.add(Video.newBuilder().setVideoId(m.getMediaId()).setTitle(title(m.getFilename()))
                    .setUploaderId(m.getOwnerId()).setUploadDateMs(clock.millis())
                    .setDurationMs(Long.parseLong(probe.getOrDefault(AnnotationContract.DURATION_MS, "0")))
                    .setFps(Double.parseDouble(probe.getOrDefault(AnnotationContract.FPS, "0")))
                    .setFrames(Long.parseLong(probe.get(AnnotationContract.FRAMES))).setSizeBytes(m.getSize()).build());
        });
    }

    /** The video with its live lease, if any. */
    @Override
    public void getVideo(VideoRef request, StreamObserver<Video> response) {
        answer(response, () -> {
            caller();
            return ledger.get(request.getVideoId());
        });
    }

    /** The oldest free video; leased to the caller atomically when asked, so no two callers get the same one. */
    @Override
    public void nextUnannotated(NextUnannotatedRequest request, StreamObserver<Video> response) {
        answer(response, () -> {
            Principal caller = caller();
            long ttl = ledger.ttl(request.getTtlMs());
            return ledger.next(request.getLock() ? caller.userId() : null, ttl)
                    .orElseThrow(() -> Errors.notFound("NO_UNANNOTATED_VIDEO", "No unannotated video available"));
        });
    }

    /** A new lease for the caller (new fencing token) or a renewal of theirs; 409 while another holds it. */
    @Override
    public void startAnnotation(StartRequest request, StreamObserver<Video> response) {
        answer(response, () -> {
            Principal caller = caller();
            return ledger.start(request.getVideoId(), caller.userId(), ledger.ttl(request.getTtlMs()));
        });
    }

    /** Validated annotations stored with the video marked annotated, only by the live lease's holder (and token). */
    @Override
    public void commitAnnotations(CommitRequest request, StreamObserver<CommitResponse> response) {
        answer(response, () -> {
            Principal caller = caller();
            if (request.getAnnotationsCount() > AnnotationLedger.MAX_ANNOTATIONS) {
                throw Errors.invalid("TOO_MANY_ANNOTATIONS",
                        "At most " + AnnotationLedger.MAX_ANNOTATIONS + " annotations per commit");
            }
            for (int i = 0; i < request.getAnnotationsCount(); i++) {
                Annotation a = request.getAnnotations(i);
                if (a.getTimestampMs() < 0) {
                    throw Errors.invalid("INVALID_ANNOTATION", "annotations[" + i + "].timestamp must be >= 0");
                }
                if (!Double.isFinite(a.getSpeedMps()) || a.getSpeedMps() < 0) {
                    throw Errors.invalid("INVALID_ANNOTATION", "annotations[" + i + "].speed must be >= 0");
                }
                if (a.getButtonState() != 0 && a.getButtonState() != 1) {
                    throw Errors.invalid("INVALID_ANNOTATION", "annotations[" + i + "].button_state must be 0 or 1");
                }
            }
            return ledger.commit(request.getVideoId(), caller.userId(), request.getLockToken(),
                    request.getAnnotationsList());
        });
    }

    /** Releases the lease: its holder or an admin. */
    @Override
    public void unlock(VideoRef request, StreamObserver<Video> response) {
        answer(response, () -> {
            Principal caller = caller();
            return ledger.unlock(request.getVideoId(), caller.userId(), caller.isAdmin());
        });
    }

    /** Replaces the video's telemetry in one write. */
    @Override
    public void putTelemetry(PutTelemetryRequest request, StreamObserver<Video> response) {
        answer(response, () -> {
            caller();
            if (request.getPointsCount() > MAX_TELEMETRY_POINTS) {
                throw Errors.invalid("TOO_MANY_POINTS", "At most " + MAX_TELEMETRY_POINTS + " telemetry rows");
            }
            for (TelemetryPoint p : request.getPointsList()) {
                if (p.getTimestampMs() < 0 || p.getHasSpeed() && !(p.getSpeedMps() >= 0)
                        || p.getHasLocation() && !(Math.abs(p.getLatitude()) <= 90 && Math.abs(p.getLongitude()) <= 180)) {
                    throw Errors.invalid("INVALID_TELEMETRY", "Telemetry point out of range");
                }
            }
            return ledger.putTelemetry(request.getVideoId(), request.getPointsList());
        });
    }

    /** The telemetry as last put. */
    @Override
    public void getTelemetry(VideoRef request, StreamObserver<Telemetry> response) {
        answer(response, () -> {
            caller();
            return ledger.telemetry(request.getVideoId());
        });
    }

    /** Untimed button states replace the video's series in one write; every state must be 0 or 1. */
    @Override
    public void putButtonStates(PutButtonStatesRequest request, StreamObserver<Sync> response) {
        answer(response, () -> {
            Principal caller = caller();
            limit(request.getStatesCount());
            for (int i = 0; i < request.getStatesCount(); i++) {
                int state = request.getStates(i);
                if (state != 0 && state != 1) {
                    throw Errors.invalid("INVALID_BUTTON_DATA", "states[" + i + "] must be 0 or 1");
                }
            }
            return ledger.updateSync(request.getVideoId(), caller.userId(), !caller.isAdmin(), s -> s.toBuilder()
                    .clearButtons().clearButtonStates().addAllButtonStates(request.getStatesList()).build());
        });
    }

    /** Timed button samples replace the video's series in one write: timestamps >= 0 and distinct, states 0/1. */
    @Override
    public void putButtonTimestamps(PutButtonTimestampsRequest request, StreamObserver<Sync> response) {
        answer(response, () -> {
            Principal caller = caller();
            limit(request.getSamplesCount());
            for (int i = 0; i < request.getSamplesCount(); i++) {
                ButtonSample b = request.getSamples(i);
                if (b.getTimestampMs() < 0) {
                    throw Errors.invalid("INVALID_BUTTON_DATA", "button_data_with_timestamps[" + i + "].timestamp must be >= 0");
                }
                if (b.getState() != 0 && b.getState() != 1) {
                    throw Errors.invalid("INVALID_BUTTON_DATA", "button_data_with_timestamps[" + i + "].button_state must be 0 or 1");
                }
            }
            List<ButtonSample> sorted = new ArrayList<>(request.getSamplesList());
            sorted.sort(Comparator.comparingLong(ButtonSample::getTimestampMs));
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i).getTimestampMs() == sorted.get(i - 1).getTimestampMs()) {
                    throw Errors.invalid("INVALID_BUTTON_DATA",
                            "Two button samples at timestamp " + sorted.get(i).getTimestampMs());
                }
            }
            return ledger.updateSync(request.getVideoId(), caller.userId(), !caller.isAdmin(), s -> s.toBuilder()
                    .clearButtonStates().clearButtons().addAllButtons(sorted).build());
        });
    }

    /** Segment anchors replace the video's set in one write: within the file, non-empty, not overlapping. */
    @Override
    public void putVideoSegments(PutVideoSegmentsRequest request, StreamObserver<Sync> response) {
        answer(response, () -> {
            Principal caller = caller();
            limit(request.getSegmentsCount());
            List<VideoSegment> sorted = new ArrayList<>(request.getSegmentsList());
            sorted.sort(Comparator.comparingLong(VideoSegment::getStartMs));
            long duration = ledger.get(request.getVideoId()).getDurationMs();
            for (int i = 0; i < sorted.size(); i++) {
                VideoSegment seg = sorted.get(i);
                if (seg.getStartMs() < 0 || seg.getEndMs() <= seg.getStartMs() || seg.getTimestampMs() < 0) {
                    throw Errors.invalid("INVALID_SEGMENT", "Segment " + seg.getStartMs() + "-" + seg.getEndMs()
                            + " ms: needs 0 <= start < end and timestamp >= 0");
                }
                // A probe's duration is that of the decodable frames; the container may say a frame more.
                if (duration > 0 && seg.getEndMs() > duration + SEGMENT_SLACK_MS) {
                    throw Errors.invalid("INVALID_SEGMENT", "Segment " + seg.getStartMs() + "-" + seg.getEndMs()
                            + " ms ends after the video (" + duration + " ms)");
                }
                if (i > 0 && seg.getStartMs() < sorted.get(i - 1).getEndMs()) {
                    throw Errors.invalid("INVALID_SEGMENT", "Segments overlap at " + seg.getStartMs() + " ms");
                }
            }
            return ledger.updateSync(request.getVideoId(), caller.userId(), !caller.isAdmin(),
                    s -> s.toBuilder().clearSegments().addAllSegments(sorted).build());
        });
    }

    /** Adds to the cumulative offset of the video or its button series; the total stays within +-24 h. */
    @Override
    public void shift(ShiftRequest request, StreamObserver<Sync> response) {
        answer(response, () -> {
            Principal caller = caller();
            if (request.getTarget() != ShiftTarget.SHIFT_TARGET_VIDEO && request.getTarget() != ShiftTarget.SHIFT_TARGET_BUTTONS) {
                throw Errors.invalid("INVALID_SHIFT", "Shift target must be the video or its button data");
            }
            if (Math.abs(request.getOffsetUs()) > MAX_OFFSET_US) {
                throw Errors.invalid("INVALID_OFFSET", "timestamp_offset must be within +-86400 seconds");
            }
            return ledger.updateSync(request.getVideoId(), caller.userId(), !caller.isAdmin(), s -> {
                boolean video = request.getTarget() == ShiftTarget.SHIFT_TARGET_VIDEO;
                long total = (video ? s.getVideoOffsetUs() : s.getButtonOffsetUs()) + request.getOffsetUs();
                if (Math.abs(total) > MAX_OFFSET_US) {
                    throw Errors.invalid("INVALID_OFFSET", "The accumulated offset would exceed +-86400 seconds");
                }
                return video ? s.toBuilder().setVideoOffsetUs(total).build() : s.toBuilder().setButtonOffsetUs(total).build();
            });
        });
    }

    /** The synchronisation data, raw, with the offsets. */
    @Override
    public void getSync(VideoRef request, StreamObserver<Sync> response) {
        answer(response, () -> {
            caller();
            return ledger.sync(request.getVideoId());
        });
    }

    /** The committed annotations; NOT_FOUND before the first commit. */
    @Override
    public void getAnnotations(VideoRef request, StreamObserver<CommitResponse> response) {
        answer(response, () -> {
            caller();
            Video v = ledger.get(request.getVideoId());
            return ledger.annotations(v.getVideoId()).map(c -> c.toBuilder().setVideo(v).build())
                    .orElseThrow(() -> Errors.notFound("NOT_ANNOTATED", "The video has no committed annotations"));
        });
    }

    /** Admin only: the video and all its data leave the pool; its media blob is deleted after the grid write. */
    @Override
    public void deleteVideo(VideoRef request, StreamObserver<Video> response) {
        answer(response, () -> {
            admin();
            Video removed = ledger.delete(request.getVideoId());
            media.get(removed.getVideoId()).ifPresent(m -> {
                try {
                    media.delete(m);
                } catch (java.io.IOException e) {
                    // The pool no longer names it; the blob is an orphan the operator's store listing shows.
                    throw new java.io.UncheckedIOException("Video removed from the pool, its file not deleted", e);
                }
            });
            return removed;
        });
    }

    /** Admin only: back into the pool, unlocked and unannotated. */
    @Override
    public void reopen(VideoRef request, StreamObserver<Video> response) {
        answer(response, () -> {
            admin();
            return ledger.reopen(request.getVideoId());
        });
    }

    /** The pool, oldest first. */
    @Override
    public void listVideos(ListVideosRequest request, StreamObserver<VideoList> response) {
        answer(response, () -> {
            caller();
            return VideoList.newBuilder().addAllVideos(ledger.list(request.getAnnotatedOnly())).build();
        });
    }

    /** The trained speed models, newest first. */
    @Override
    public void listModels(io.framegrid.proto.annotation.v1.ListModelsRequest request,
            StreamObserver<io.framegrid.proto.annotation.v1.SpeedModelList> response) {
        answer(response, () -> {
            caller();
            return io.framegrid.proto.annotation.v1.SpeedModelList.newBuilder().addAllModels(ledger.models()).build();
        });
    }

    /** An inference job's predictions: its owner's (or an admin's) only; anyone else's is NOT_FOUND. */
    @Override
    public void getPredictions(io.framegrid.proto.annotation.v1.PredictionsRequest request,
            StreamObserver<io.framegrid.proto.annotation.v1.Predictions> response) {
        answer(response, () -> {
            Principal caller = caller();
            return ledger.predictions(request.getJobId())
                    .filter(p -> p.getOwnerId().equals(caller.userId()) || caller.isAdmin())
                    .orElseThrow(() -> Errors.notFound("PREDICTIONS_NOT_FOUND", "No predictions for this job"));
        });
    }

    /** The pool video's file: the shared pool opens every video to every annotator (uploader's media otherwise). */
    @Override
    public void getVideoFile(VideoRef request, StreamObserver<Media> response) {
        answer(response, () -> {
            caller();
            return poolMedia(request.getVideoId());
        });
    }

    /** The pool video's bytes (a range of them), paced by the caller: one chunk in flight per request. */
    @Override
    public void downloadVideo(io.framegrid.proto.media.v1.DownloadRequest request,
            StreamObserver<io.framegrid.proto.media.v1.DownloadChunk> response) {
        java.io.InputStream in;
        Media m;
        try {
            caller();
            m = poolMedia(request.getMediaId());
            if (request.getOffset() < 0 || request.getLength() < 0 || request.getOffset() > m.getSize()) {
                throw Errors.of(io.grpc.Status.Code.OUT_OF_RANGE, "INVALID_RANGE", "Range outside the file");
            }
            long length = request.getLength() == 0 ? m.getSize() - request.getOffset()
                    : Math.min(request.getLength(), m.getSize() - request.getOffset());
            in = media.store().open(m.getStorageKey(), request.getOffset(), length);
        } catch (AnnotationLedger.ForbiddenException e) {
            response.onError(Errors.forbidden(e.getMessage()));
            return;
        } catch (java.io.IOException | RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        io.grpc.stub.ServerCallStreamObserver<io.framegrid.proto.media.v1.DownloadChunk> out =
                (io.grpc.stub.ServerCallStreamObserver<io.framegrid.proto.media.v1.DownloadChunk>) response;
        Media first = m;
        out.setOnCancelHandler(() -> close(in));
        out.setOnReadyHandler(new Runnable() {
            private boolean sent;
            private boolean done;

            @Override
            public synchronized void run() {
                try {
                    byte[] buffer = new byte[256 * 1024];
                    while (!done && out.isReady()) {
                        int n = in.readNBytes(buffer, 0, buffer.length);
                        var chunk = io.framegrid.proto.media.v1.DownloadChunk.newBuilder();
                        if (!sent) {
                            chunk.setMedia(first);
                            sent = true;
                        }
                        if (n <= 0) {
                            done = true;
                            close(in);
                            if (chunk.hasMedia()) {
                                out.onNext(chunk.build());
                            }
                            out.onCompleted();
                            return;
                        }
                        out.onNext(chunk.setData(com.google.protobuf.ByteString.copyFrom(buffer, 0, n)).build());
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    done = true;
                    close(in);
                    out.onError(Errors.toStatus(e));
                }
            }
        });
    }

    private Media poolMedia(String videoId) {
        Video v = ledger.get(videoId);
        return media.get(v.getVideoId())
                .orElseThrow(() -> Errors.notFound("VIDEO_NOT_FOUND", "The video's file is gone"));
    }

    private static void close(java.io.InputStream in) {
        try {
            in.close();
        } catch (java.io.IOException ignored) {
            // Nothing left to release.
        }
    }

    private static void limit(int count) {
        if (count > MAX_SYNC_ITEMS) {
            throw Errors.invalid("TOO_MANY_ITEMS", "At most " + MAX_SYNC_ITEMS + " entries per upload");
        }
    }

    private static Principal admin() {
        Principal p = caller();
        if (!p.isAdmin()) {
            throw new AnnotationLedger.ForbiddenException("Only an admin may do this");
        }
        return p;
    }

    private static String title(String filename) {
        int dot = filename.lastIndexOf('.');
        String base = dot > 0 ? filename.substring(0, dot) : filename;
        return base.isBlank() ? filename : base;
    }

    private static Principal caller() {
        Principal p = Principal.current();
        if (p == null) {
            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
        }
        return p;
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (AnnotationLedger.ForbiddenException e) {
            response.onError(Errors.forbidden(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
