package io.framegrid.sdk.annotation;

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
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Product A over gRPC, with the caller's credentials: uploads into the shared annotation pool (streamed to the media
 * store, probed on a gpu-node as a job, registered; deleted again when anything of that fails), the pool's leases
 * and commits, and telemetry. Futures fail with {@link FramegridException}.
 */
public final class AnnotationClient {
    /** The reason a refused upload fails with (the probe found no readable video). */
    public static final String INVALID_VIDEO = "INVALID_VIDEO";
    /** The reason when no gpu-node probed the upload within the probe timeout. */
    public static final String PROBE_TIMEOUT = "PROBE_TIMEOUT";

    private final FramegridClient client;
    private final Duration probeTimeout;

    public AnnotationClient(FramegridClient client) {
        this(client, Duration.ZERO);
    }

    /** Gives up on a probe after {@code probeTimeout} ({@link Duration#ZERO}: never) with {@link #PROBE_TIMEOUT}. */
    public AnnotationClient(FramegridClient client, Duration probeTimeout) {
        this.client = client;
        this.probeTimeout = probeTimeout;
    }

    private AnnotationServiceGrpc.AnnotationServiceFutureStub stub() {
        return client.prepared(AnnotationServiceGrpc.newFutureStub(client.channel()));
    }

    /** Streams {@code video} (read to its end, never held whole) into the caller's media, marked as A's upload. */
    public CompletableFuture<Media> uploadAsync(InputStream video, String filename, String contentType) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename).setContentType(contentType)
                .putMetadata(AnnotationContract.PRODUCT_KEY, AnnotationContract.PRODUCT).build(), video);
    }

    /**
     * Probes {@code uploaded} on a gpu-node and adds it to the pool; when that fails for any reason the upload is
     * deleted before the returned future fails ({@link #INVALID_VIDEO} for a file that is no readable video).
     */
    public CompletableFuture<Video> registerAsync(Media uploaded) {
        CompletableFuture<Video> registered;
        try {
            registered = probe(uploaded).thenCompose(v -> CallSupport.toCompletable(
                    stub().registerVideo(RegisterVideoRequest.newBuilder().setMediaId(uploaded.getMediaId()).build())));
        } catch (RuntimeException e) {
            registered = CompletableFuture.failedFuture(e);
        }
        return registered.handle((video, t) -> t == null ? CompletableFuture.completedFuture(video)
                : discardAsync(uploaded).<Video>thenApply(v -> {
                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                })).thenCompose(f -> f);
    }

    /** Deletes an upload that will not join the pool; never fails. */
    public CompletableFuture<Void> discardAsync(Media uploaded) {
        return client.mediaAsync().delete(uploaded.getMediaId()).handle((deleted, e) -> null);
    }

    private CompletableFuture<Job> probe(Media media) {
        CompletableFuture<Job> probe = client.jobsAsync().runToEnd(SubmitJobRequest.newBuilder()
                        .setType(AnnotationContract.PROBE).setDisplayName(media.getFilename())
                        .putMetadata(AnnotationContract.MEDIA_ID, media.getMediaId()).build(), probeTimeout, PROBE_TIMEOUT,
                "No compute node could inspect the video in time; retry later");
        return probe.thenApply(job -> {
            if (job == null || job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                String error = job == null ? "" : job.getErrorMessage().replaceFirst("^Task \\S+ failed: ", "");
                throw new FramegridException(Status.Code.INVALID_ARGUMENT, INVALID_VIDEO,
                        error.isBlank() ? "Invalid video file: not a readable video" : error, null);
            }
            return job;
        });
    }

    /** One video of the pool. */
    public CompletableFuture<Video> videoAsync(String videoId) {
        return CallSupport.toCompletable(stub().getVideo(ref(videoId)));
    }

    /** The oldest free video; with {@code lock}, leased to the caller for {@code ttl} (zero: the cluster default). */
    public CompletableFuture<Video> nextUnannotatedAsync(boolean lock, Duration ttl) {
        return CallSupport.toCompletable(stub().nextUnannotated(
                NextUnannotatedRequest.newBuilder().setLock(lock).setTtlMs(ttl.toMillis()).build()));
    }

    /** Leases (or renews the caller's lease of) {@code videoId} for {@code ttl}. */
    public CompletableFuture<Video> startAsync(String videoId, Duration ttl) {
        return CallSupport.toCompletable(stub().startAnnotation(
                StartRequest.newBuilder().setVideoId(videoId).setTtlMs(ttl.toMillis()).build()));
    }

    /** Commits {@code annotations} under the caller's lease; {@code lockToken} empty = whatever the lease's is. */
    public CompletableFuture<CommitResponse> commitAsync(String videoId, String lockToken, List<Annotation> annotations) {
        return CallSupport.toCompletable(stub().commitAnnotations(CommitRequest.newBuilder().setVideoId(videoId)
                .setLockToken(lockToken == null ? "" : lockToken).addAllAnnotations(annotations).build()));
    }

    public CompletableFuture<Video> unlockAsync(String videoId) {
        return CallSupport.toCompletable(stub().unlock(ref(videoId)));
    }

    /** Replaces the video's telemetry whole. */
    public CompletableFuture<Video> putTelemetryAsync(String videoId, List<TelemetryPoint> points) {
        return CallSupport.toCompletable(stub().putTelemetry(
                PutTelemetryRequest.newBuilder().setVideoId(videoId).addAllPoints(points).build()));
    }

    public CompletableFuture<Telemetry> telemetryAsync(String videoId) {
        return CallSupport.toCompletable(stub().getTelemetry(ref(videoId)));
    }

    /** Replaces the video's button series with untimed 0/1 states. */
    public CompletableFuture<Sync> putButtonStatesAsync(String videoId, List<Integer> states) {
        return CallSupport.toCompletable(stub().putButtonStates(
                PutButtonStatesRequest.newBuilder().setVideoId(videoId).addAllStates(states).build()));
    }

    /** Replaces the video's button series with timed samples. */
    public CompletableFuture<Sync> putButtonTimestampsAsync(String videoId, List<ButtonSample> samples) {
        return CallSupport.toCompletable(stub().putButtonTimestamps(
                PutButtonTimestampsRequest.newBuilder().setVideoId(videoId).addAllSamples(samples).build()));
    }

    /** Replaces the video's segment anchors. */
    public CompletableFuture<Sync> putVideoSegmentsAsync(String videoId, List<VideoSegment> segments) {
        return CallSupport.toCompletable(stub().putVideoSegments(
                PutVideoSegmentsRequest.newBuilder().setVideoId(videoId).addAllSegments(segments).build()));
    }

    /** Adds {@code offsetUs} microseconds to the cumulative offset of {@code target}. */
    public CompletableFuture<Sync> shiftAsync(String videoId, ShiftTarget target, long offsetUs) {
        return CallSupport.toCompletable(stub().shift(
                ShiftRequest.newBuilder().setVideoId(videoId).setTarget(target).setOffsetUs(offsetUs).build()));
    }

    public CompletableFuture<Sync> syncAsync(String videoId) {
        return CallSupport.toCompletable(stub().getSync(ref(videoId)));
    }

    /** The committed annotations (raw file-clock timestamps). */
    public CompletableFuture<CommitResponse> annotationsAsync(String videoId) {
        return CallSupport.toCompletable(stub().getAnnotations(ref(videoId)));
    }

    /** Admin only. */
    public CompletableFuture<Video> deleteAsync(String videoId) {
        return CallSupport.toCompletable(stub().deleteVideo(ref(videoId)));
    }

    /** Admin only. */
    public CompletableFuture<Video> reopenAsync(String videoId) {
        return CallSupport.toCompletable(stub().reopen(ref(videoId)));
    }

    public CompletableFuture<List<Video>> listAsync(boolean annotatedOnly) {
        return CallSupport.toCompletable(stub().listVideos(
                ListVideosRequest.newBuilder().setAnnotatedOnly(annotatedOnly).build())).thenApply(VideoList::getVideosList);
    }

    /** Submits speed inference of {@code videoId} (FAILED_PRECONDITION NO_MODEL while no model is trained). */
    public CompletableFuture<Job> submitInferenceAsync(String videoId) {
        return client.jobsAsync().submit(SubmitJobRequest.newBuilder().setType(AnnotationContract.INFER)
                .setDisplayName("speed of " + videoId).putMetadata(AnnotationContract.VIDEO_ID, videoId).build());
    }

    /** Submits training of the next speed model (its fit refuses unless the caller is an admin). */
    public CompletableFuture<Job> submitTrainingAsync() {
        return client.jobsAsync().submit(SubmitJobRequest.newBuilder().setType(AnnotationContract.TRAIN)
                .setDisplayName("speed model training").build());
    }

    /** The job's terminal state; past {@code timeout} fails DEADLINE_EXCEEDED with reason INFERENCE_TIMEOUT. */
    public CompletableFuture<Job> awaitAsync(String jobId, Duration timeout) {
        return client.jobsAsync().terminal(jobId).orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .exceptionally(t -> {
                    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                    if (cause instanceof java.util.concurrent.TimeoutException) {
                        throw new FramegridException(Status.Code.DEADLINE_EXCEEDED, "INFERENCE_TIMEOUT",
                                "Job " + jobId + " is still running; poll GET /api/inference/jobs/" + jobId, t);
                    }
                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                });
    }

    public CompletableFuture<Job> jobAsync(String jobId) {
        return client.jobsAsync().get(jobId);
    }

    public CompletableFuture<io.framegrid.proto.annotation.v1.Predictions> predictionsAsync(String jobId) {
        return CallSupport.toCompletable(stub().getPredictions(
                io.framegrid.proto.annotation.v1.PredictionsRequest.newBuilder().setJobId(jobId).build()));
    }

    /** Trained speed models, newest first. */
    public CompletableFuture<List<io.framegrid.proto.annotation.v1.SpeedModel>> modelsAsync() {
        return CallSupport.toCompletable(stub().listModels(
                io.framegrid.proto.annotation.v1.ListModelsRequest.getDefaultInstance()))
                .thenApply(io.framegrid.proto.annotation.v1.SpeedModelList::getModelsList);
    }

    /** The pool video's file metadata (size, content type, sha256). */
    public CompletableFuture<Media> videoFileAsync(String videoId) {
        return CallSupport.toCompletable(stub().getVideoFile(ref(videoId)));
    }

    /**
     * Streams {@code length} bytes (0 = to the end) of the pool video from {@code offset} into {@code sink}, one
     * message in flight at a time; returns a handle that cancels the call.
     */
    public Runnable downloadVideo(String videoId, long offset, long length,
            io.framegrid.sdk.media.MediaAsyncClient.DownloadSink sink) {
        AnnotationServiceGrpc.AnnotationServiceStub stub = client.prepared(AnnotationServiceGrpc.newStub(client.channel()))
                .withDeadline(null);
        java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<
                io.framegrid.proto.media.v1.DownloadRequest>> call = new java.util.concurrent.atomic.AtomicReference<>();
        stub.downloadVideo(io.framegrid.proto.media.v1.DownloadRequest.newBuilder().setMediaId(videoId).setOffset(offset)
                .setLength(length).build(), new io.grpc.stub.ClientResponseObserver<
                        io.framegrid.proto.media.v1.DownloadRequest, io.framegrid.proto.media.v1.DownloadChunk>() {
                    @Override
                    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<io.framegrid.proto.media.v1.DownloadRequest> rs) {
                        call.set(rs);
                        rs.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(io.framegrid.proto.media.v1.DownloadChunk chunk) {
                        if (chunk.getData().isEmpty()) {
                            call.get().request(1);
                            return;
                        }
                        sink.onData(chunk.getData()).whenComplete((ignored, t) -> {
                            if (t == null) {
                                call.get().request(1);
                            } else {
                                call.get().cancel("Download consumer failed", t);
                            }
                        });
                    }

                    @Override
                    public void onError(Throwable t) {
                        sink.onError(FramegridException.from(t));
                    }

                    @Override
                    public void onCompleted() {
                        sink.onComplete();
                    }
                });
        return () -> call.get().cancel("Download abandoned by the caller", null);
    }

    private static VideoRef ref(String videoId) {
        return VideoRef.newBuilder().setVideoId(videoId == null ? "" : videoId).build();
    }

}
