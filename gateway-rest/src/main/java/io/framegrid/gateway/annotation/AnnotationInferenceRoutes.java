package io.framegrid.gateway.annotation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.MayBeEmpty;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.Timeline;
import io.framegrid.proto.annotation.v1.Predictions;
import io.framegrid.proto.annotation.v1.SpeedModel;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.annotation.AnnotationClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Surface A's speed inference over cluster jobs: {@code run} submits {@code annotation.infer} (road flow of the video's
 * frame ranges in parallel on gpu-nodes, then the newest model) and waits up to
 * {@code gateway.annotation.inference-timeout} (504 naming the job after that; {@code ?async=true} answers 202 at
 * once); {@code train} (admins only) fits the next model version on every committed annotation and CSV speed;
 * {@code models} lists the versions. Predictions are 10 Hz, speeds m/s, timestamps integer ms on the data clock.
 */
@Description("Annotation (A) speed inference and training, on the annotation port; bearer token required")
public final class AnnotationInferenceRoutes {
    private final FramegridClient client;
    private final Duration timeout;

    AnnotationInferenceRoutes(FramegridClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RunBody(@Required String videoId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PredictionView(long timestamp, double predictedSpeed, double confidence) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Ran(String status, String videoId, String jobId, int modelVersion, double rateHz,
            List<PredictionView> predictions) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Accepted(String status, String jobId, String statusUrl) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ModelView(int version, long trainedAt, int samples, int videos, double trainMae, String trainedBy,
            String jobId) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Trained(String status, ModelView model) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Models(Integer latest, double rateHz, List<ModelView> models) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobView(String jobId, String type, String status, int progress, String errorMessage, Object result) {}

    @MayBeEmpty
    public record Empty() {}

    @Post("/api/inference/run")
    @Description("Speed predictions for a video: {video_id} → predictions [{timestamp (ms, data clock), "
            + "predicted_speed (m/s), confidence (0..1)}] at 10 Hz; 404 unknown video, 409 when no model is trained "
            + "(an admin trains one with POST /api/inference/train); waits up to gateway.annotation.inference-timeout "
            + "(then 504 naming the job), or ?async=true answers 202 with job_id to poll at GET /api/inference/jobs/{id}")
    public CompletableFuture<HttpResponse> run(RequestHeaders headers, @Param("async") @Default("false") boolean async,
            @RequestObject RunBody body) {
        AnnotationClient annotation = annotation(headers);
        return annotation.videoAsync(body.videoId()).thenCompose(v -> annotation.modelsAsync()).thenCompose(models -> {
            if (models.isEmpty()) {
                throw noModel();
            }
            return annotation.submitInferenceAsync(body.videoId());
        }).thenCompose(job -> async ? CompletableFuture.completedFuture(accepted(job))
                : annotation.awaitAsync(job.getJobId(), timeout).thenCompose(done -> predictions(annotation, done))
                        .thenApply(HttpResponse::ofJson))
                .exceptionally(AnnotationInferenceRoutes::words);
    }

    @Post("/api/inference/train")
    @Description("Admin only (403 otherwise): fits the next speed model version on every committed annotation and "
            + "uploaded CSV speed (road flow on gpu-nodes, ridge regression), stores it and answers it; 409 when there "
            + "is nothing to train on; waits like run, or ?async=true")
    public CompletableFuture<HttpResponse> train(RequestHeaders headers, @Param("async") @Default("false") boolean async,
            @RequestObject Empty body) {
        FramegridClient caller = client.withBearerToken(Credentials.bearer(headers));
        AnnotationClient annotation = new AnnotationClient(caller);
        return caller.identityAsync().currentUser().thenCompose(user -> {
            if (user.getRole() != io.framegrid.proto.identity.v1.Role.ROLE_ADMIN) {
                throw new ApiException(HttpStatus.FORBIDDEN, "FORBIDDEN", "Only an admin may train the speed model");
            }
            return annotation.submitTrainingAsync();
        }).thenCompose(job -> async ? CompletableFuture.completedFuture(accepted(job))
                : annotation.awaitAsync(job.getJobId(), timeout).thenCompose(done -> trained(annotation, done))
                        .thenApply(HttpResponse::ofJson))
                .exceptionally(AnnotationInferenceRoutes::words);
    }

    @Get("/api/inference/models")
    @Description("The trained speed models, newest first, with the version run uses (latest; null before training)")
    public CompletableFuture<Models> models(RequestHeaders headers) {
        return annotation(headers).modelsAsync().thenApply(all -> new Models(all.isEmpty() ? null
                : all.get(0).getVersion(), AnnotationContract.SAMPLE_HZ, all.stream().map(AnnotationInferenceRoutes::view).toList()));
    }

    @Get("/api/inference/jobs/{job_id}")
    @Description("An inference or training job of the caller's: its state, and once completed its predictions or model")
    public CompletableFuture<JobView> job(RequestHeaders headers, @Param("job_id") String jobId) {
        AnnotationClient annotation = annotation(headers);
        return annotation.jobAsync(jobId).thenCompose(job -> {
            if (!job.getType().equals(AnnotationContract.INFER) && !job.getType().equals(AnnotationContract.TRAIN)) {
                throw new ApiException(HttpStatus.NOT_FOUND, "NOT_FOUND", "No inference job " + jobId);
            }
            CompletableFuture<Object> result = job.getStatus() != JobStatus.JOB_STATUS_COMPLETED
                    ? CompletableFuture.completedFuture(null)
                    : job.getType().equals(AnnotationContract.INFER)
                            ? predictions(annotation, job).thenApply(r -> (Object) r)
                            : trained(annotation, job).thenApply(r -> (Object) r);
            return result.thenApply(r -> new JobView(job.getJobId(), job.getType(),
                    job.getStatus().name().replace("JOB_STATUS_", "").toLowerCase(java.util.Locale.ROOT),
                    job.getProgress(), job.getErrorMessage(), r));
        });
    }

    private static CompletableFuture<Ran> predictions(AnnotationClient annotation, Job job) {
        ended(job);
        return annotation.predictionsAsync(job.getJobId()).thenCompose(p -> annotation.syncAsync(p.getVideoId())
                .thenApply(sync -> ran(p, new Timeline(sync))));
    }

    private static CompletableFuture<Trained> trained(AnnotationClient annotation, Job job) {
        ended(job);
        return annotation.modelsAsync().thenApply(models -> models.stream()
                .filter(m -> m.getJobId().equals(job.getJobId())).findFirst()
                .map(m -> new Trained("success", view(m)))
                .orElseThrow(() -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "NO_MODEL_STORED",
                        "Training job " + job.getJobId() + " completed without storing a model")));
    }

    private static void ended(Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            String why = job.getErrorMessage().replaceFirst("^Task \\S+ failed: ", "");
            // A pool video decoded at upload, so a failed run is the cluster's, not the request's.
            throw new ApiException(why.contains("Too few labelled") || why.contains("Only an admin")
                    ? HttpStatus.CONFLICT : HttpStatus.SERVICE_UNAVAILABLE, "JOB_FAILED",
                    "Job " + job.getJobId() + " " + job.getStatus().name().replace("JOB_STATUS_", "").toLowerCase(
                            java.util.Locale.ROOT) + (why.isBlank() ? "" : ": " + why));
        }
    }

    static Ran ran(Predictions p, Timeline timeline) {
        return new Ran("success", p.getVideoId(), p.getJobId(), p.getModelVersion(), p.getRateHz(),
                p.getPredictionsList().stream().map(x -> new PredictionView(timeline.dataTime(x.getFileMs()),
                        x.getSpeedMps(), x.getConfidence())).toList());
    }

    private static ModelView view(SpeedModel m) {
        return new ModelView(m.getVersion(), m.getTrainedMs(), m.getSamples(), m.getVideos(), m.getTrainMae(),
                m.getTrainedBy(), m.getJobId());
    }

    private static HttpResponse accepted(Job job) {
        return HttpResponse.ofJson(HttpStatus.ACCEPTED, new Accepted("accepted", job.getJobId(),
                "/api/inference/jobs/" + job.getJobId()));
    }

    private static ApiException noModel() {
        return new ApiException(HttpStatus.CONFLICT, "NO_MODEL",
                "No speed model is trained yet: an admin trains one with POST /api/inference/train");
    }

    /** The SDK's refusals in A's words where the generic mapping would mislead (409 no model, 504 still running). */
    private static HttpResponse words(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof FramegridException fe) {
            if ("NO_MODEL".equals(fe.reason()) || "NO_TRAINING_DATA".equals(fe.reason())) {
                throw new ApiException(HttpStatus.CONFLICT, fe.reason(), fe.getMessage());
            }
            if ("INFERENCE_TIMEOUT".equals(fe.reason())) {
                throw new ApiException(HttpStatus.GATEWAY_TIMEOUT, fe.reason(), fe.getMessage());
            }
        }
        throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
    }

    private AnnotationClient annotation(RequestHeaders headers) {
        return new AnnotationClient(client.withBearerToken(Credentials.bearer(headers)));
    }
}
