package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.gateway.http.ApiException;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@code /api/v1/jobs}: the caller's reconstruction and extraction jobs, their logs, cancelling them. */
@Description("Reconstruction (D) jobs, on the reconstruction port")
public final class JobRoutes {
    /** Jobs a list reads from the ledger at most (newest first) before filtering by project. */
    static final int SCAN_LIMIT = 500;

    private final FramegridClient client;

    JobRoutes(FramegridClient client) {
        this.client = client;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LogLine(long sequence, String timestamp, String level, String message) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Logs(String jobId, List<LogLine> logs) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ProjectJobs(long projectId, String projectStatus, int total, int active,
                              List<ReconstructionViews.JobBody> jobs) {}

    @Get("/jobs")
    @Description("The caller's jobs, newest first; filters project_id, status (pending, running, completed, failed, "
            + "cancelled), job_type (frame_extraction, reconstruction); skip, limit (default 100)")
    public CompletableFuture<HttpResponse> list(RequestHeaders headers,
            @Param("project_id") Optional<String> projectId, @Param("status") Optional<String> status,
            @Param("job_type") Optional<String> jobType, @Param("skip") Optional<String> skip,
            @Param("limit") Optional<String> limit) {
        long project = projectId.filter(p -> !p.isBlank()).map(p -> Callers.id("query", "project_id", p)).orElse(0L);
        int s = Callers.intParam("query", "skip", skip.orElse(null), 0, 0, Integer.MAX_VALUE);
        int l = Callers.intParam("query", "limit", limit.orElse(null), 100, 1, 500);
        JobStatus st = status.filter(v -> !v.isBlank()).map(v -> {
            JobStatus g = ReconstructionViews.gridStatus(v);
            if (g == null) {
                throw Callers.invalid("query", "status", "status must be pending, running, completed, failed or cancelled");
            }
            return g;
        }).orElse(null);
        List<String> types = jobType.filter(v -> !v.isBlank()).map(v -> {
            String g = ReconstructionViews.gridType(v);
            if (g == null) {
                throw Callers.invalid("query", "job_type", "job_type must be frame_extraction or reconstruction");
            }
            return List.of(g);
        }).orElse(ReconstructionContract.JOB_TYPES);
        FramegridClient caller = Callers.as(client, headers);
        List<CompletableFuture<List<Job>>> pages = new ArrayList<>();
        for (String type : types) {
            ListJobsRequest.Builder req = ListJobsRequest.newBuilder().setType(type).setLimit(SCAN_LIMIT);
            if (st != null) {
                req.addStatuses(st);
            }
            pages.add(caller.jobsAsync().list(req.build()).thenApply(r -> r.getJobsList()));
        }
        return CompletableFuture.allOf(pages.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Job> all = new ArrayList<>();
            pages.forEach(p -> all.addAll(p.join()));
            all.sort((a, b) -> Long.compare(b.getCreatedAt().getSeconds() * 1_000_000_000L + b.getCreatedAt().getNanos(),
                    a.getCreatedAt().getSeconds() * 1_000_000_000L + a.getCreatedAt().getNanos()));
            return HttpResponse.ofJson(all.stream()
                    .filter(j -> project == 0 || ReconstructionViews.projectOf(j) == project)
                    .skip(s).limit(l).map(j -> ReconstructionViews.JobBody.of(j, null)).toList());
        });
    }

    @Get("/jobs/{id}")
    @Description("One of the caller's jobs; a completed reconstruction's metadata carries its raw figures")
    public CompletableFuture<ReconstructionViews.JobBody> get(RequestHeaders headers, @Param("id") String id) {
        return view(Callers.as(client, headers), id);
    }

    @Post("/jobs/{id}/cancel")
    @Description("Cancels a pending or running job; its COLMAP processes are killed within a second")
    public CompletableFuture<ReconstructionViews.JobBody> cancel(RequestHeaders headers, @Param("id") String id) {
        FramegridClient caller = Callers.as(client, headers);
        return owned(caller, id).thenCompose(job -> {
            if (job.getStatus() == JobStatus.JOB_STATUS_COMPLETED || job.getStatus() == JobStatus.JOB_STATUS_FAILED
                    || job.getStatus() == JobStatus.JOB_STATUS_CANCELLED) {
                throw ApiException.badRequest("JOB_FINISHED", "The job has already finished ("
                        + ReconstructionViews.status(job.getStatus()) + ")");
            }
            return caller.jobsAsync().cancel(id);
        }).thenApply(job -> ReconstructionViews.JobBody.of(job, null));
    }

    @Get("/jobs/{id}/logs")
    @Description("The job's log: its stages' COLMAP output and progress lines, oldest first (the newest are kept)")
    public CompletableFuture<Logs> logs(RequestHeaders headers, @Param("id") String id) {
        FramegridClient caller = Callers.as(client, headers);
        return owned(caller, id).thenCompose(job -> {
            CompletableFuture<Logs> done = new CompletableFuture<>();
            List<LogLine> lines = new ArrayList<>();
            caller.jobsAsync().logs(id, 0, false, new StreamObserver<>() {
                @Override
                public void onNext(JobLogLine line) {
                    lines.add(new LogLine(line.getSequence(), Users.iso(line.getTime()), line.getLevel(),
                            line.getMessage()));
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(FramegridException.from(t));
                }

                @Override
                public void onCompleted() {
                    done.complete(new Logs(id, lines));
                }
            });
            return done;
        });
    }

    @Get("/jobs/project/{project_id}/status")
    @Description("Every job of one of the caller's projects, oldest first, with the project's status")
    public CompletableFuture<ProjectJobs> projectStatus(RequestHeaders headers,
            @Param("project_id") String projectId) {
        long project = Callers.id("path", "project_id", projectId);
        ReconstructionClient recon = Callers.reconstruction(client, headers);
        return recon.getAsync(project).thenCompose(p -> {
            List<CompletableFuture<ReconstructionViews.JobBody>> views = new ArrayList<>();
            for (String jobId : p.getJobIdsList()) {
                views.add(view(Callers.as(client, headers), jobId).exceptionally(t -> null));
            }
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<ReconstructionViews.JobBody> jobs = views.stream().map(CompletableFuture::join)
                        .filter(j -> j != null).toList();
                int active = (int) jobs.stream().filter(j -> j.status().equals("pending")
                        || j.status().equals("running")).count();
                return new ProjectJobs(p.getId(), p.getStatus(), jobs.size(), active, jobs);
            });
        });
    }

    /** The caller's D job {@code jobId} as JSON; a completed reconstruction with its figures. 404 otherwise. */
    static CompletableFuture<ReconstructionViews.JobBody> view(FramegridClient caller, String jobId) {
        ReconstructionClient recon = new ReconstructionClient(caller);
        return owned(caller, jobId).thenCompose(job -> {
            if (job.getType().equals(ReconstructionContract.RECONSTRUCT)
                    && job.getStatus() == JobStatus.JOB_STATUS_COMPLETED) {
                return recon.resultAsync(jobId).handle((r, t) -> ReconstructionViews.JobBody.of(job, t == null ? r : null));
            }
            return CompletableFuture.completedFuture(ReconstructionViews.JobBody.of(job, null));
        });
    }

    /** The caller's job if it is one of D's; 404 for anyone else's or another product's. */
    static CompletableFuture<Job> owned(FramegridClient caller, String jobId) {
        return caller.jobsAsync().get(jobId).handle((job, t) -> {
            if (t != null) {
                FramegridException e = FramegridException.from(t instanceof CompletionException && t.getCause() != null
                        ? t.getCause() : t);
                if (e.code() == Status.Code.NOT_FOUND || e.code() == Status.Code.INVALID_ARGUMENT) {
                    throw notFound();
                }
                throw e;
            }
            if (!ReconstructionClient.isReconstructionJob(job)) {
                throw notFound();
            }
            return job;
        });
    }

    static ApiException notFound() {
        return new ApiException(HttpStatus.NOT_FOUND, "JOB_NOT_FOUND", "Job not found");
    }

}
