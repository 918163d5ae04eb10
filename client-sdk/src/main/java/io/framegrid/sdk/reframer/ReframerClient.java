package io.framegrid.sdk.reframer;

import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Product C over gRPC, for internal services: {@code process(video)} uploads, has a gpu-node probe the file, queues
 * the analysis and returns a {@link ReframerJob} to await (with progress) and read results from. Build it on a
 * client carrying the caller's credentials, e.g. {@code new ReframerClient(client.withApiKey(key))}.
 */
public final class ReframerClient {
    static final String PROBE = "reframer.probe";
    static final String ANALYZE = "reframer.analyze";

    private final FramegridClient client;

    public ReframerClient(FramegridClient client) {
        this.client = client;
    }

    /** Blocking {@link #processAsync}. */
    public ReframerJob process(Path video, Map<String, String> options) {
        return join(processAsync(video, options));
    }

    public ReframerJob process(Path video) {
        return process(video, Map.of());
    }

    /**
     * Streams {@code video} to the media store, waits for the probe, queues {@code reframer.analyze} with
     * {@code options} ({@code aspect}, {@code sample_every}, {@code max_frames}, ...). Fails with
     * {@link FramegridException} INVALID_ARGUMENT / {@code INVALID_VIDEO} when the probe refuses the file.
     */
    public CompletableFuture<ReframerJob> processAsync(Path video, Map<String, String> options) {
        CompletableFuture<Media> uploaded;
        try {
            uploaded = client.mediaAsync().upload(UploadHeader.newBuilder().setFilename(video.getFileName().toString())
                    .setContentType("video/" + extension(video)).putMetadata("product", "reframer").build(),
                    Files.newInputStream(video));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new UncheckedIOException(e));
        }
        return uploaded.thenCompose(media -> discardIfRefused(media, client.jobsAsync()
                .submit(SubmitJobRequest.newBuilder().setType(PROBE).setDisplayName(media.getFilename())
                        .putMetadata("media_id", media.getMediaId()).build())
                .thenCompose(probe -> client.jobsAsync().terminal(probe.getJobId()))
                .thenCompose(probe -> {
                    if (probe == null || probe.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                        throw new FramegridException(Status.Code.INVALID_ARGUMENT, "INVALID_VIDEO",
                                probe == null ? "Video could not be probed"
                                        : probe.getErrorMessage().replaceFirst("^Task \\S+ failed: ", ""), null);
                    }
                    return client.mediaAsync().get(media.getMediaId());
                })
                .thenCompose(probed -> {
                    SubmitJobRequest.Builder submit = SubmitJobRequest.newBuilder().setType(ANALYZE)
                            .setDisplayName(media.getFilename()).putAllMetadata(options)
                            .putMetadata("media_id", media.getMediaId());
                    String duration = probed.getProbeMap().get("duration_seconds");
                    if (duration != null) {
                        submit.putMetadata("duration_seconds", duration);
                    }
                    return client.jobsAsync().submit(submit.build());
                })
                .thenApply(job -> new ReframerJob(client, job))));
    }

    public CompletableFuture<ReframerJob> processAsync(Path video) {
        return processAsync(video, Map.of());
    }

    /** A video that gets no analysis job would be an orphan in the caller's media: delete it, keep the failure. */
    private CompletableFuture<ReframerJob> discardIfRefused(Media media, CompletableFuture<ReframerJob> queued) {
        return queued.<CompletableFuture<ReframerJob>>handle((job, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(job);
            }
            return client.mediaAsync().delete(media.getMediaId()).<ReframerJob>handle((deleted, e) -> {
                throw t instanceof CompletionException ce ? ce : new CompletionException(t);
            });
        }).thenCompose(f -> f);
    }

    private static String extension(Path video) {
        String name = video.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "mp4" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    }

    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
    }

    /** A queued analysis: await it (with progress), then read its results JSON and reframed video. */
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
            return submitted.getMetadataMap().get("media_id");
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

        /** The typed results (raw JSON kept in {@link ReframerResults#rawJson()}); fails unless the job completed. */
        public CompletableFuture<ReframerResults> resultsAsync() {
            return resultsJsonAsync().thenApply(ReframerResults::parse);
        }

        public ReframerResults results() {
            return join(resultsAsync());
        }

        /** The results JSON exactly as {@code GET /results/{job_id}} returns it; fails unless the job completed. */
        public CompletableFuture<String> resultsJsonAsync() {
            return client.jobsAsync().get(jobId()).thenCompose(job -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                return downloadAsync(job, "results:", out)
                        .thenApply(v -> new String(out.toByteArray(), StandardCharsets.UTF_8));
            });
        }

        public String resultsJson() {
            return join(resultsJsonAsync());
        }

        /** Blocking {@link #downloadVideoAsync}. */
        public void downloadVideo(OutputStream out) {
            join(downloadVideoAsync(out));
        }

        /** Writes the reframed MP4 to {@code out}. */
        public CompletableFuture<Void> downloadVideoAsync(OutputStream out) {
            return client.jobsAsync().get(jobId()).thenCompose(job -> downloadAsync(job, "video:", out));
        }

        private CompletableFuture<Void> downloadAsync(Job job, String prefix, OutputStream out) {
            if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                return CompletableFuture.failedFuture(new FramegridException(Status.Code.FAILED_PRECONDITION,
                        "NOT_COMPLETED", "Job " + job.getJobId() + " is not completed", null));
            }
            String mediaId = job.getResultRefsList().stream().filter(r -> r.startsWith(prefix))
                    .map(r -> r.substring(prefix.length())).findFirst().orElse("");
            CompletableFuture<Void> done = new CompletableFuture<>();
            client.mediaAsync().download(mediaId, 0, 0, new io.framegrid.sdk.media.MediaAsyncClient.DownloadSink() {
                @Override
                public java.util.concurrent.CompletionStage<?> onData(com.google.protobuf.ByteString data) {
                    try {
                        data.writeTo(out);
                        return CompletableFuture.completedFuture(null);
                    } catch (IOException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }

                @Override
                public void onError(FramegridException error) {
                    done.completeExceptionally(error);
                }
            });
            return done;
        }
    }
}
