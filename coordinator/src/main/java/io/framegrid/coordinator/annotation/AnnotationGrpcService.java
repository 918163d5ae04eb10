package io.framegrid.coordinator.annotation;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.v1.Annotation;
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
import java.util.Map;
import java.util.function.Supplier;

/**
 * Product A's RPCs over {@link AnnotationLedger}. Every caller must be signed in; the pool is shared by all of them
 * (any annotator may claim any video). The ledger's refusals become gRPC statuses with their reason here.
 */
final class AnnotationGrpcService extends AnnotationServiceGrpc.AnnotationServiceImplBase {
    private static final int MAX_TELEMETRY_POINTS = 1_000_000;

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
