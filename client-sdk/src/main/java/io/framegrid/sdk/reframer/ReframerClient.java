package io.framegrid.sdk.reframer;

import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.proto.reframer.v1.AnalysisParams;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaAsyncClient;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Product C over gRPC: {@code process(video)} streams the video to the media store, has a gpu-node probe it, queues
 * the analysis and returns a {@link ReframerJob} to await (with progress) and read results from. A video that gets
 * no analysis (refused by the probe, probe timed out, submit failed) is deleted again, so a refusal leaves nothing
 * in the caller's media. Build it on a client carrying the caller's credentials, e.g.
 * {@code new ReframerClient(client.withApiKey(key))}.
 *
 * <p>The workflow is also offered in its two halves, {@link #uploadAsync} and {@link #analyzeAsync}, for callers
 * (the REST gateway) that must see their own request end before the analysis is queued.
 */
public final class ReframerClient {
    /** The reason of the {@link FramegridException} a refused video fails with. */
    public static final String INVALID_VIDEO = "INVALID_VIDEO";
    /** The reason when no gpu-node probed the video within the probe timeout. */
    public static final String PROBE_TIMEOUT = "PROBE_TIMEOUT";
    /** The reason {@link ReframerJob#results()} fails with after a failed or cancelled job. */
    public static final String JOB_FAILED = "JOB_FAILED";

    private final FramegridClient client;
    private final Duration probeTimeout;

    /** Waits for the probe as long as it takes. */
    public ReframerClient(FramegridClient client) {
        this(client, Duration.ZERO);
    }

    /** Gives up on a probe after {@code probeTimeout} ({@link Duration#ZERO}: never) with {@link #PROBE_TIMEOUT}. */
    public ReframerClient(FramegridClient client, Duration probeTimeout) {
        this.client = client;
        this.probeTimeout = probeTimeout;
    }

    /** Blocking {@link #processAsync(Path, AnalysisParams)}. */
    public ReframerJob process(Path video, AnalysisParams params) {
        return join(processAsync(video, params));
    }

    public ReframerJob process(Path video) {
        return process(video, AnalysisParams.getDefaultInstance());
    }

    /** As {@link #process(Path, AnalysisParams)} with the parameters as job metadata ({@code aspect}, ...). */
    public ReframerJob process(Path video, Map<String, String> options) {
        return join(processAsync(video, options));
    }

    /**
     * Streams {@code video} to the media store, waits for the probe, queues the analysis. Fails with
     * {@link FramegridException} INVALID_ARGUMENT / {@link #INVALID_VIDEO} when the probe refuses the file.
     */
    public CompletableFuture<ReframerJob> processAsync(Path video, AnalysisParams params) {
        return processAsync(video, ReframerContract.metadata(params));
    }

    public CompletableFuture<ReframerJob> processAsync(Path video) {
        return processAsync(video, AnalysisParams.getDefaultInstance());
    }

    /** As {@link #processAsync(Path, AnalysisParams)} with the parameters as job metadata. */
    public CompletableFuture<ReframerJob> processAsync(Path video, Map<String, String> options) {
        InputStream in;
        try {
            in = Files.newInputStream(video);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new UncheckedIOException(e));
        }
        String filename = video.getFileName().toString();
        return processAsync(in, filename, "video/" + extension(filename), options)
                .whenComplete((job, t) -> closeQuietly(in));
    }

    /** Blocking {@link #processAsync(InputStream, String, String, AnalysisParams)}. */
    public ReframerJob process(InputStream video, String filename, String contentType, AnalysisParams params) {
        return join(processAsync(video, filename, contentType, params));
    }

    /**
     * As {@link #processAsync(Path, AnalysisParams)} reading the video from {@code video} as it streams (never held
     * whole); the stream is read to its end, not closed.
     */
    public CompletableFuture<ReframerJob> processAsync(InputStream video, String filename, String contentType,
            AnalysisParams params) {
        return processAsync(video, filename, contentType, ReframerContract.metadata(params));
    }

    private CompletableFuture<ReframerJob> processAsync(InputStream video, String filename, String contentType,
            Map<String, String> options) {
        return uploadAsync(video, filename, contentType).thenCompose(media -> analyzeAsync(media, options));
    }

    /** First half of the workflow: streams {@code video} into the caller's media, marked as a reframer upload. */
    public CompletableFuture<Media> uploadAsync(InputStream video, String filename, String contentType) {
        return client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(filename).setContentType(contentType)
                .putMetadata("product", ReframerContract.PRODUCT).build(), video);
    }

    /**
     * Second half: probes {@code uploaded} on a gpu-node and queues the analysis; when that fails for any reason the
     * upload is deleted before the returned future fails.
     */
    public CompletableFuture<ReframerJob> analyzeAsync(Media uploaded, AnalysisParams params) {
        return analyzeAsync(uploaded, ReframerContract.metadata(params));
    }

    private CompletableFuture<ReframerJob> analyzeAsync(Media media, Map<String, String> options) {
        CompletableFuture<ReframerJob> queued;
        try {
            queued = probe(media).thenCompose(probed -> {
                SubmitJobRequest.Builder submit = SubmitJobRequest.newBuilder().setType(ReframerContract.ANALYZE)
                        .setDisplayName(media.getFilename()).putAllMetadata(options)
                        .putMetadata(ReframerContract.MEDIA_ID, media.getMediaId());
                String duration = probed.getProbeMap().get(ReframerContract.DURATION_SECONDS);
                if (duration != null) {
                    submit.putMetadata(ReframerContract.DURATION_SECONDS, duration);
                }
                return client.jobsAsync().submit(submit.build());
            }).thenApply(job -> new ReframerJob(client, job));
        } catch (RuntimeException e) {
            queued = CompletableFuture.failedFuture(e);
        }
        return queued.handle((job, t) -> t == null ? CompletableFuture.completedFuture(job)
                : discardAsync(media).<ReframerJob>thenApply(v -> {
                    throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                })).thenCompose(f -> f);
    }

    /** The caller's analysis job {@code jobId}, to await or read again (e.g. after a restart). */
    public CompletableFuture<ReframerJob> jobAsync(String jobId) {
        return client.jobsAsync().get(jobId).thenApply(job -> {
            if (!ReframerContract.ANALYZE.equals(job.getType())) {
                throw new FramegridException(Status.Code.NOT_FOUND, "JOB_NOT_FOUND", "Job not found", null);
            }
            return new ReframerJob(client, job);
        });
    }

    /** Blocking {@link #jobAsync}. */
    public ReframerJob job(String jobId) {
        return join(jobAsync(jobId));
    }

    /** Deletes an upload that will get no analysis; never fails (a leftover is logged by the store's janitor). */
    public CompletableFuture<Void> discardAsync(Media uploaded) {
        return client.mediaAsync().delete(uploaded.getMediaId()).handle((deleted, e) -> null);
    }

    /** The probed media (its probe map filled), or the probe's refusal as {@link #INVALID_VIDEO}. */
    private CompletableFuture<Media> probe(Media media) {
        CompletableFuture<Job> probe = client.jobsAsync().runToEnd(SubmitJobRequest.newBuilder()
                        .setType(ReframerContract.PROBE).setDisplayName(media.getFilename())
                        .putMetadata(ReframerContract.MEDIA_ID, media.getMediaId()).build(), probeTimeout, PROBE_TIMEOUT,
                "No compute node could inspect the video in time; retry later");
        return probe.thenCompose(job -> {
            if (job == null || job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                throw new FramegridException(Status.Code.INVALID_ARGUMENT, INVALID_VIDEO,
                        ReframerContract.userError(job == null ? "" : job.getErrorMessage()), null);
            }
            return client.mediaAsync().get(media.getMediaId());
        });
    }

    private static String extension(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot < 0 ? "mp4" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // Read to its end already or failed; nothing to keep.
        }
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e.getCause());
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
    }

    /** A queued analysis: await it (with progress), then read its results and reframed video. */
    public static final class ReframerJob {
        private final FramegridClient client;
        private final Job submitted;

        ReframerJob(FramegridClient client, Job submitted) {
            this.client = client;
            this.submitted = submitted;
        }

        public String jobId() {
            return submitted.getJobId();
        }

        /** The uploaded video's media id (the spec's {@code video_id}). */
        public String videoId() {
            return submitted.getMetadataMap().get(ReframerContract.MEDIA_ID);
        }

        /** Completes with the terminal job; {@code progress} sees every state change pushed by Watch. */
        public CompletableFuture<Job> awaitAsync(Consumer<Job> progress) {
            CompletableFuture<Job> result = new CompletableFuture<>();
            client.jobsAsync().watch(jobId(), new StreamObserver<>() {
                private Job last;

                @Override
                public void onNext(JobEvent event) {
                    last = event.getJob();
                    progress.accept(last);
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(FramegridException.from(t));
                }

                @Override
                public void onCompleted() {
                    result.complete(last);
                }
            });
            return result;
        }

        /** Blocks until the job ends or {@code timeout} passes ({@link TimeoutException} wrapped as unchecked). */
        public Job await(Duration timeout, Consumer<Job> progress) {
            try {
                return awaitAsync(progress).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Job " + jobId() + " not finished within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }

        /** Blocking {@link #awaitAsync} without a progress listener. */
        public Job await(Duration timeout) {
            return await(timeout, job -> { });
        }

        /**
         * The results of the completed job. Fails with {@link FramegridException} {@link #JOB_FAILED} carrying the
         * job's own error message when it failed or was cancelled, and FAILED_PRECONDITION while it still runs.
         */
        public CompletableFuture<ReframerResults> resultsAsync() {
            return client.jobsAsync().get(jobId()).thenCompose(job -> resultsOf(client.mediaAsync(), job));
        }

        public ReframerResults results() {
            return join(resultsAsync());
        }

        /** Blocking {@link #downloadVideoAsync}. */
        public void downloadVideo(OutputStream out) {
            join(downloadVideoAsync(out));
        }

        /** Writes the reframed MP4 to {@code out}; fails as {@link #results()} does unless the job completed. */
        public CompletableFuture<Void> downloadVideoAsync(OutputStream out) {
            return client.jobsAsync().get(jobId()).thenCompose(job -> {
                completed(job);
                return client.mediaAsync().downloadTo(ref(job, ReframerContract.VIDEO_REF), out);
            });
        }
    }

    /**
     * The results of {@code job} read through {@code media}: the message the gpu-node stored, or the job's failure
     * as {@link ReframerJob#resultsAsync()} words it.
     */
    public static CompletableFuture<ReframerResults> resultsOf(MediaAsyncClient media, Job job) {
        String resultsId;
        try {
            completed(job);
            resultsId = ref(job, ReframerContract.RESULTS_REF);
        } catch (FramegridException e) {
            return CompletableFuture.failedFuture(e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // The message is parsed whole, so it is read whole; it holds masks as RLE text, so it stays small.
        return media.downloadTo(resultsId, bytes).thenApply(v -> {
            try {
                return ReframerResults.parseFrom(bytes.toByteArray());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new FramegridException(Status.Code.DATA_LOSS, "UNREADABLE_RESULTS",
                        "The results of job " + job.getJobId() + " are unreadable", e);
            }
        });
    }

    private static void completed(Job job) {
        switch (job.getStatus()) {
            case JOB_STATUS_COMPLETED:
                return;
            case JOB_STATUS_FAILED:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, JOB_FAILED,
                        "Job " + job.getJobId() + " failed: " + ReframerContract.userError(job.getErrorMessage()), null);
            case JOB_STATUS_CANCELLED:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, JOB_FAILED,
                        "Job " + job.getJobId() + " was cancelled", null);
            default:
                throw new FramegridException(Status.Code.FAILED_PRECONDITION, "NOT_COMPLETED",
                        "Job " + job.getJobId() + " is not completed yet", null);
        }
    }

    private static String ref(Job job, String prefix) {
        return ReframerContract.ref(job, prefix).orElseThrow(() -> new FramegridException(Status.Code.INTERNAL,
                "NO_RESULTS", "Job " + job.getJobId() + " completed without " + prefix, null));
    }

}
