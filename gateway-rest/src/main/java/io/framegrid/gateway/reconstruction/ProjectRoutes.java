package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.annotation.StatusCode;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.UpdateProjectRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code /api/v1/projects}: the caller's projects (another user's is 404) and a project's reconstruction status. */
@Description("Reconstruction (D) projects, on the reconstruction port")
public final class ProjectRoutes {
    private final FramegridClient client;

    ProjectRoutes(FramegridClient client) {
        this.client = client;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CreateBody(@Required String name, String description) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UpdateBody(String name, String description, String status) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Deleted(String message, long projectId, int jobsCancelled, int filesDeleted) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Status(long projectId, String status, int totalFrames, int processedFrames,
                         double reconstructionQuality, double processingTime, ReconstructionViews.JobBody latestJob) {}

    @Get("/projects")
    @Description("The caller's projects, oldest first: skip (default 0), limit (default 100, at most 1000)")
    public CompletableFuture<HttpResponse> list(RequestHeaders headers,
            @Param("skip") Optional<String> skip, @Param("limit") Optional<String> limit) {
        int s = Callers.intParam("query", "skip", skip.orElse(null), 0, 0, Integer.MAX_VALUE);
        int l = Callers.intParam("query", "limit", limit.orElse(null), 100, 1, 1000);
        // A JSON array, as the spec's list answers are: rendered here (the annotated converter takes objects).
        return Callers.reconstruction(client, headers).listAsync(s, l).thenApply(page -> HttpResponse.ofJson(
                page.getProjectsList().stream().map(ReconstructionViews.ProjectBody::of).toList()));
    }

    @Post("/projects")
    @StatusCode(201)
    @Description("Creates a draft project (name required, description optional); its id is an integer")
    public CompletableFuture<ReconstructionViews.ProjectBody> create(RequestHeaders headers,
            @RequestObject CreateBody body) {
        if (body.name().isBlank()) {
            throw Callers.missing("body", "name");
        }
        return Callers.reconstruction(client, headers).createAsync(body.name(), body.description())
                .thenApply(ReconstructionViews.ProjectBody::of);
    }

    @Get("/projects/{id}")
    @Description("One of the caller's projects")
    public CompletableFuture<ReconstructionViews.ProjectBody> get(RequestHeaders headers, @Param("id") String id) {
        return Callers.reconstruction(client, headers).getAsync(Callers.id("path", "id", id))
                .thenApply(ReconstructionViews.ProjectBody::of);
    }

    @Put("/projects/{id}")
    @Description("Changes name and description, or archives it (status \"archived\"; \"draft\" unarchives)")
    public CompletableFuture<ReconstructionViews.ProjectBody> update(RequestHeaders headers, @Param("id") String id,
            @RequestObject UpdateBody body) {
        long projectId = Callers.id("path", "id", id);
        UpdateProjectRequest.Builder update = UpdateProjectRequest.newBuilder().setProjectId(projectId);
        if (body.name() != null) {
            if (body.name().isBlank()) {
                throw Callers.invalid("body", "name", "name must not be empty");
            }
            update.setSetName(true).setName(body.name());
        }
        if (body.description() != null) {
            update.setSetDescription(true).setDescription(body.description());
        }
        if (body.status() != null) {
            if (!body.status().equals("archived") && !body.status().equals("draft")) {
                throw Callers.invalid("body", "status", "status may only be set to archived (or draft)");
            }
            update.setStatus(body.status());
        }
        return Callers.reconstruction(client, headers).updateAsync(update.build())
                .thenApply(ReconstructionViews.ProjectBody::of);
    }

    @Delete("/projects/{id}")
    @Description("Deletes the project with every file and job of it; running jobs are cancelled")
    public CompletableFuture<Deleted> delete(RequestHeaders headers, @Param("id") String id) {
        long projectId = Callers.id("path", "id", id);
        return Callers.reconstruction(client, headers).deleteAsync(projectId).thenApply(r ->
                new Deleted("Project deleted", projectId, r.getJobsCancelled(), r.getFilesDeleted()));
    }

    @Get("/projects/{id}/status")
    @Description("The project's reconstruction status: its figures and its newest job")
    public CompletableFuture<Status> status(RequestHeaders headers, @Param("id") String id) {
        long projectId = Callers.id("path", "id", id);
        ReconstructionClient recon = Callers.reconstruction(client, headers);
        return recon.getAsync(projectId).thenCompose(p -> latest(Callers.as(client, headers), p).thenApply(job -> new Status(p.getId(),
                p.getStatus(), p.getTotalFrames(), p.getProcessedFrames(), p.getReconstructionQuality(),
                p.getProcessingTime(), job)));
    }

    private static CompletableFuture<ReconstructionViews.JobBody> latest(FramegridClient caller, Project p) {
        if (p.getJobIdsCount() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        String jobId = p.getJobIds(p.getJobIdsCount() - 1);
        return JobRoutes.view(caller, jobId);
    }

}
