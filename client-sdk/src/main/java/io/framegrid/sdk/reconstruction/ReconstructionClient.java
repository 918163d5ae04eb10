package io.framegrid.sdk.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;

import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.proto.reconstruction.v1.AttachJobRequest;
import io.framegrid.proto.reconstruction.v1.AttachMediaRequest;
import io.framegrid.proto.reconstruction.v1.CreateProjectRequest;
import io.framegrid.proto.reconstruction.v1.DeleteProjectResponse;
import io.framegrid.proto.reconstruction.v1.JobRef;
import io.framegrid.proto.reconstruction.v1.ListProjectsRequest;
import io.framegrid.proto.reconstruction.v1.ListProjectsResponse;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.ProjectJobEvent;
import io.framegrid.proto.reconstruction.v1.ProjectRef;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import io.framegrid.proto.reconstruction.v1.ReconstructionServiceGrpc;
import io.framegrid.proto.reconstruction.v1.UpdateProjectRequest;
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Product D over gRPC, with the caller's credentials: projects, uploads (a video is probed on a gpu-node before it
 * joins the project; a refused or failed upload is deleted again), frame extraction and reconstruction jobs (submitted
 * through the jobs API, then recorded as the project's), results and a project's job events. Futures fail with
 * {@link FramegridException}.
 */
public final class ReconstructionClient {
    /** The reason a video upload is refused with when the probe found no readable video. */
    public static final String INVALID_VIDEO = "INVALID_VIDEO";
    public static final String PROBE_TIMEOUT = "PROBE_TIMEOUT";
    /** Reasons a job cannot start: no video to extract from, nothing to reconstruct. */
    public static final String NO_VIDEO = "NO_VIDEO";
    public static final String NO_IMAGES = "NO_IMAGES";
    /** Fewest images a reconstruction accepts. */
    public static final int MIN_IMAGES = 2;

    private final FramegridClient client;
    private final Duration probeTimeout;

    public ReconstructionClient(FramegridClient client) {
        this(client, Duration.ofSeconds(60));
    }

    public ReconstructionClient(FramegridClient client, Duration probeTimeout) {
        this.client = client;
        this.probeTimeout = probeTimeout;
    }

    private ReconstructionServiceGrpc.ReconstructionServiceFutureStub stub() {
        return client.prepared(ReconstructionServiceGrpc.newFutureStub(client.channel()));
    }

    public CompletableFuture<Project> createAsync(String name, String description) {
        return CallSupport.toCompletable(stub().createProject(CreateProjectRequest.newBuilder().setName(name)
                .setDescription(description == null ? "" : description).build()));
    }

    public CompletableFuture<Project> getAsync(long projectId) {
        return CallSupport.toCompletable(stub().getProject(ref(projectId)));
    }

    public CompletableFuture<ListProjectsResponse> listAsync(int skip, int limit) {
        return CallSupport.toCompletable(stub().listProjects(ListProjectsRequest.newBuilder().setSkip(skip)
                .setLimit(limit).build()));
    }

    public CompletableFuture<Project> updateAsync(UpdateProjectRequest request) {
        return CallSupport.toCompletable(stub().updateProject(request));
    }

    /** Cancels the project's running jobs and deletes every file of it, then the project. */
    public CompletableFuture<DeleteProjectResponse> deleteAsync(long projectId) {
        return CallSupport.toCompletable(stub().deleteProject(ref(projectId)));
    }

    /**
     * Streams {@code video} into the caller's media, probes it on a gpu-node and records it as the project's video;
     * when anything of that fails the upload is deleted again ({@link #INVALID_VIDEO}: not a readable video).
     */
    public CompletableFuture<Project> uploadVideoAsync(long projectId, InputStream video, String filename,
            String contentType) {
        return getAsync(projectId).thenCompose(p -> client.mediaAsync().upload(UploadHeader.newBuilder()
                        .setFilename(filename).setContentType(contentType).putMetadata("product", PRODUCT)
                        .putMetadata(PROJECT_ID, Long.toString(projectId)).build(), video))
                .thenCompose(media -> discardOnFailure(media, probe(media).thenCompose(job -> attach(projectId,
                        "video", List.of(media.getMediaId())))));
    }

    /** Streams a video into the caller's media (not yet the project's: see {@link #attachVideoAsync}). */
    public CompletableFuture<Media> storeVideoAsync(InputStream video, String filename, String contentType) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename).setContentType(contentType)
                .putMetadata("product", PRODUCT).build(), video);
    }

    /** Probes a stored video and records it as the project's video; deletes it again when either fails. */
    public CompletableFuture<Project> attachVideoAsync(long projectId, Media video) {
        return discardOnFailure(video, getAsync(projectId).thenCompose(p -> probe(video))
                .thenCompose(job -> attach(projectId, "video", List.of(video.getMediaId()))));
    }

    /** Stores one uploaded image of the project (already validated by the caller); see {@link #attachImagesAsync}. */
    public CompletableFuture<Media> uploadImageAsync(long projectId, InputStream image, String filename,
            String contentType) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename).setContentType(contentType)
                .putMetadata("product", PRODUCT).putMetadata(PROJECT_ID, Long.toString(projectId)).build(), image);
    }

    /** Records stored images as the project's; when that is refused they are deleted again. */
    public CompletableFuture<Project> attachImagesAsync(long projectId, List<Media> images) {
        List<String> ids = images.stream().map(Media::getMediaId).toList();
        CompletableFuture<Project> attached = attach(projectId, "images", ids);
        return attached.handle((p, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(p);
            }
            images.forEach(this::discard);
            return CompletableFuture.<Project>failedFuture(t instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : t);
        }).thenCompose(f -> f);
    }

    public CompletableFuture<Void> discard(Media media) {
        return client.mediaAsync().delete(media.getMediaId()).handle((d, e) -> null);
    }

    /** Queues the extraction of the project's video's frames (interval in seconds, or keyframes) as the project's job. */
    public CompletableFuture<Job> extractFramesAsync(long projectId, double interval, String strategy, int maxFrames) {
        return getAsync(projectId).thenCompose(p -> {
            if (p.getVideoMediaId().isEmpty()) {
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, NO_VIDEO,
                        "The project has no video: upload one first", null);
            }
            SubmitJobRequest.Builder job = SubmitJobRequest.newBuilder().setType(EXTRACT)
                    .setDisplayName(p.getName() + ": frames").putMetadata(PROJECT_ID, Long.toString(projectId))
                    .putMetadata(MEDIA_ID, p.getVideoMediaId()).putMetadata(INTERVAL, Double.toString(interval))
                    .putMetadata(STRATEGY, strategy);
            if (maxFrames > 0) {
                job.putMetadata(MAX_FRAMES, Integer.toString(maxFrames));
            }
            return submitAndAttach(projectId, job.build());
        });
    }

    /**
     * Queues a reconstruction of the project at {@code quality}: of the frames of its newest completed extraction
     * when it has them, else of its uploaded images; FAILED_PRECONDITION ({@link #NO_IMAGES}) with fewer than two.
     */
    public CompletableFuture<Job> startReconstructionAsync(long projectId, Quality quality) {
        return getAsync(projectId).thenCompose(p -> {
            SubmitJobRequest.Builder job = SubmitJobRequest.newBuilder().setType(RECONSTRUCT)
                    .setDisplayName(p.getName() + ": reconstruction").putMetadata(PROJECT_ID, Long.toString(projectId))
                    .putMetadata(QUALITY, quality.wire());
            if (!p.getFramesZipMediaId().isEmpty() && p.getFrames() >= MIN_IMAGES) {
                job.putMetadata(FRAMES_MEDIA_ID, p.getFramesZipMediaId())
                        .putMetadata(FRAMES_COUNT, Integer.toString(p.getFrames()));
            } else if (p.getImageMediaIdsCount() >= MIN_IMAGES) {
                job.putMetadata(INPUT_MEDIA_IDS, String.join(",", p.getImageMediaIdsList()));
            } else {
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, NO_IMAGES,
                        "The project has no images or extracted frames to reconstruct (at least " + MIN_IMAGES
                                + " are needed)", null);
            }
            return submitAndAttach(projectId, job.build());
        });
    }

    /** Raw figures, score and camera centres of a completed reconstruction job of the caller's. */
    public CompletableFuture<ReconstructionResult> resultAsync(String jobId) {
        return CallSupport.toCompletable(stub().getResult(JobRef.newBuilder().setJobId(jobId).build()));
    }

    /**
     * Follows the project's jobs ({@code observer} gets each state change, jobs started later included) until the
     * returned context is cancelled or the project is deleted.
     */
    public Context.CancellableContext watchProject(long projectId, StreamObserver<ProjectJobEvent> observer) {
        Context.CancellableContext ctx = Context.current().withCancellation();
        ctx.run(() -> client.prepared(ReconstructionServiceGrpc.newStub(client.channel()))
                .withDeadline(null).watchProject(ref(projectId), observer));
        return ctx;
    }

    /** Whether {@code job} is one of product D's. */
    public static boolean isReconstructionJob(Job job) {
        return ReconstructionContract.JOB_TYPES.contains(job.getType());
    }

    private CompletableFuture<Job> submitAndAttach(long projectId, SubmitJobRequest request) {
        return client.jobsAsync().submit(request).thenCompose(job -> CallSupport.toCompletable(stub().attachJob(
                AttachJobRequest.newBuilder().setProjectId(projectId).setJobId(job.getJobId()).build()))
                .handle((p, t) -> {
                    if (t == null) {
                        return CompletableFuture.completedFuture(job);
                    }
                    // The project went away meanwhile: the job must not run for nobody.
                    return client.jobsAsync().cancel(job.getJobId()).handle((c, e) -> {
                        throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                    }).thenApply(x -> job);
                }).thenCompose(f -> f));
    }

    private CompletableFuture<Project> attach(long projectId, String kind, List<String> ids) {
        return CallSupport.toCompletable(stub().attachMedia(AttachMediaRequest.newBuilder().setProjectId(projectId)
                .setKind(kind).addAllMediaIds(new ArrayList<>(ids)).build()));
    }

    private <T> CompletableFuture<T> discardOnFailure(Media media, CompletableFuture<T> work) {
        return work.handle((v, t) -> t == null ? CompletableFuture.completedFuture(v)
                : discard(media).<T>thenApply(x -> {
                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                })).thenCompose(f -> f);
    }

    private CompletableFuture<Job> probe(Media media) {
        return client.jobsAsync().runToEnd(SubmitJobRequest.newBuilder().setType(PROBE)
                        .setDisplayName(media.getFilename()).putMetadata(MEDIA_ID, media.getMediaId()).build(),
                probeTimeout, PROBE_TIMEOUT, "No compute node could inspect the video in time; retry later")
                .thenApply(job -> {
                    if (job == null || job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                        String error = job == null ? "" : job.getErrorMessage().replaceFirst("^Task \\S+ failed: ", "");
                        throw new FramegridException(Status.Code.INVALID_ARGUMENT, INVALID_VIDEO,
                                error.isBlank() ? "Invalid video file: not a readable video" : error, null);
                    }
                    return job;
                });
    }

    private static ProjectRef ref(long projectId) {
        return ProjectRef.newBuilder().setProjectId(projectId).build();
    }
}
