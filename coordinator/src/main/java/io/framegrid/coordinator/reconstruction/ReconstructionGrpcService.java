package io.framegrid.coordinator.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.media.v1.Media;
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
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Product D's RPCs over {@link ProjectStore}, the jobs ledger and the media library. Every caller must be signed in
 * and sees only their own projects (admins too: a project is its owner's workspace). A project's status and figures
 * are derived from its jobs when it is read ({@link ProjectViews}), so nothing a gpu-node does writes product state.
 */
final class ReconstructionGrpcService extends ReconstructionServiceGrpc.ReconstructionServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ReconstructionGrpcService.class);
    static final int MAX_NAME = 200;
    static final int MAX_DESCRIPTION = 5_000;
    static final int MAX_IMAGES = 2_000;

    private final ProjectStore store;
    private final JobLedger ledger;
    private final MediaLibrary media;
    private final ProjectViews views;
    private final ProjectWatches watches;

    ReconstructionGrpcService(ProjectStore store, JobLedger ledger, MediaLibrary media, ProjectWatches watches) {
        this.store = store;
        this.ledger = ledger;
        this.media = media;
        this.views = new ProjectViews(ledger);
        this.watches = watches;
    }

    /** Creates a draft project owned by the caller, with the cluster's next integer id. */
    @Override
    public void createProject(CreateProjectRequest request, StreamObserver<Project> response) {
        answer(response, () -> {
            Principal caller = caller();
            String name = request.getName().trim();
            if (name.isEmpty()) {
                throw Errors.invalid("MISSING_NAME", "name is required");
            }
            checkLengths(name, request.getDescription());
            return views.view(store.create(caller.userId(), name, request.getDescription()));
        });
    }

    /** The caller's project with its status and figures as its jobs stand now; NOT_FOUND for anyone else's. */
    @Override
    public void getProject(ProjectRef request, StreamObserver<Project> response) {
        answer(response, () -> views.view(store.require(request.getProjectId(), caller().userId())));
    }

    /** The caller's projects, oldest first, paged by skip and limit (default 100). */
    @Override
    public void listProjects(ListProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
        answer(response, () -> {
            int limit = request.getLimit() == 0 ? 100 : request.getLimit();
            if (limit < 0 || limit > 1000 || request.getSkip() < 0) {
                throw Errors.invalid("INVALID_PAGE", "limit must be 1..1000 and skip >= 0");
            }
            List<Project> all = store.list(caller().userId());
            int from = Math.min(request.getSkip(), all.size());
            int to = Math.min(from + limit, all.size());
            ListProjectsResponse.Builder out = ListProjectsResponse.newBuilder().setTotal(all.size());
            all.subList(from, to).forEach(p -> out.addProjects(views.view(p)));
            return out.build();
        });
    }

    /** Changes only the fields the request sets; status may be archived (or draft to unarchive). */
    @Override
    public void updateProject(UpdateProjectRequest request, StreamObserver<Project> response) {
        answer(response, () -> {
            Principal caller = caller();
            if (request.getSetName() && request.getName().trim().isEmpty()) {
                throw Errors.invalid("MISSING_NAME", "name must not be empty");
            }
            checkLengths(request.getName(), request.getDescription());
            String status = request.getStatus();
            if (!status.isEmpty() && !status.equals("archived") && !status.equals("draft")) {
                throw Errors.invalid("INVALID_STATUS", "status may only be set to archived (or draft to unarchive)");
            }
            return views.view(store.update(request.getProjectId(), caller.userId(), p -> {
                Project.Builder b = p.toBuilder();
                if (request.getSetName()) {
                    b.setName(request.getName().trim());
                }
                if (request.getSetDescription()) {
                    b.setDescription(request.getDescription());
                }
                if (status.equals("archived")) {
                    b.setStoredStatus("archived");
                } else if (status.equals("draft")) {
                    b.setStoredStatus("");
                }
                return b.build();
            }));
        });
    }

    /** Cancels the project's unfinished jobs, deletes its uploads and everything its jobs stored, then itself. */
    @Override
    public void deleteProject(ProjectRef request, StreamObserver<DeleteProjectResponse> response) {
        answer(response, () -> {
            Principal caller = caller();
            Project p = store.require(request.getProjectId(), caller.userId());
            int cancelled = 0;
            Set<String> files = new LinkedHashSet<>();
            if (!p.getVideoMediaId().isEmpty()) {
                files.add(p.getVideoMediaId());
            }
            files.addAll(p.getImageMediaIdsList());
            for (String jobId : p.getJobIdsList()) {
                Optional<JobState> state = ledger.state(jobId);
                if (state.isEmpty()) {
                    continue;
                }
                if (!JobLedger.isTerminal(state.get().getJob().getStatus())) {
                    try {
                        ledger.cancel(jobId);
                        cancelled++;
                    } catch (RuntimeException e) {
                        log.debug("Job {} ended before it could be cancelled: {}", jobId, e.toString());
                    }
                }
                // Every stage's refs, committed ones included: the job record lists them all.
                for (String ref : ledger.state(jobId).<List<String>>map(s -> s.getJob().getResultRefsList()).orElse(List.of())) {
                    int colon = ref.indexOf(':');
                    if (colon > 0) {
                        files.add(ref.substring(colon + 1));
                    }
                }
            }
            store.remove(p.getId());
            int deleted = 0;
            for (String id : files) {
                Optional<Media> m = media.get(id).filter(found -> found.getOwnerId().equals(p.getOwnerId()));
                if (m.isPresent()) {
                    try {
                        if (media.delete(m.get())) {
                            deleted++;
                        }
                    } catch (IOException e) {
                        log.warn("Media {} of project {} not deleted: {}", id, p.getId(), e.toString());
                    }
                }
            }
            return DeleteProjectResponse.newBuilder().setJobsCancelled(cancelled).setFilesDeleted(deleted).build();
        });
    }

    /** Records the caller's uploads as the project's video (the earlier one deleted) or as more of its images. */
    @Override
    public void attachMedia(AttachMediaRequest request, StreamObserver<Project> response) {
        answer(response, () -> {
            Principal caller = caller();
            store.require(request.getProjectId(), caller.userId());
            for (String id : request.getMediaIdsList()) {
                media.get(id).filter(m -> m.getOwnerId().equals(caller.userId()))
                        .orElseThrow(() -> Errors.notFound("MEDIA_NOT_FOUND", "Media not found"));
            }
            String[] replaced = new String[1];
            Project updated;
            switch (request.getKind()) {
                case "video" -> {
                    if (request.getMediaIdsCount() != 1) {
                        throw Errors.invalid("INVALID_MEDIA", "a project has one video");
                    }
                    updated = store.update(request.getProjectId(), caller.userId(), p -> {
                        replaced[0] = p.getVideoMediaId();
                        return p.toBuilder().setVideoMediaId(request.getMediaIds(0)).build();
                    });
                }
                case "images" -> updated = store.update(request.getProjectId(), caller.userId(), p -> {
                    if (p.getImageMediaIdsCount() + request.getMediaIdsCount() > MAX_IMAGES) {
                        throw Errors.invalid("TOO_MANY_IMAGES", "a project holds at most " + MAX_IMAGES + " images");
                    }
                    return p.toBuilder().addAllImageMediaIds(request.getMediaIdsList()).build();
                });
                default -> throw Errors.invalid("INVALID_KIND", "kind must be video or images");
            }
            if (replaced[0] != null && !replaced[0].isEmpty() && !replaced[0].equals(request.getMediaIds(0))) {
                media.get(replaced[0]).ifPresent(old -> {
                    try {
                        media.delete(old);
                    } catch (IOException e) {
                        log.warn("Replaced video {} not deleted: {}", old.getMediaId(), e.toString());
                    }
                });
            }
            return views.view(updated);
        });
    }

    /** Records one of the caller's reconstruction jobs, naming this project, as the project's newest of its type. */
    @Override
    public void attachJob(AttachJobRequest request, StreamObserver<Project> response) {
        answer(response, () -> {
            Principal caller = caller();
            store.require(request.getProjectId(), caller.userId());
            Job job = ledger.state(request.getJobId()).map(JobState::getJob)
                    .filter(j -> j.getOwnerId().equals(caller.userId()))
                    .orElseThrow(() -> Errors.notFound("JOB_NOT_FOUND", "Job not found"));
            if (!ReconstructionContract.JOB_TYPES.contains(job.getType())
                    || ReconstructionJobs.projectOf(job.getMetadataMap()) != request.getProjectId()) {
                throw Errors.invalid("INVALID_JOB", "The job is not a reconstruction job of this project");
            }
            return views.view(store.update(request.getProjectId(), caller.userId(), p -> {
                Project.Builder b = p.toBuilder();
                if (!p.getJobIdsList().contains(job.getJobId())) {
                    b.addJobIds(job.getJobId());
                }
                if (job.getType().equals(EXTRACT)) {
                    b.setExtractJobId(job.getJobId());
                } else {
                    b.setReconstructJobId(job.getJobId());
                }
                return b.build();
            }));
        });
    }

    /** What the caller's completed reconstruction job produced: raw figures, score, camera centres. */
    @Override
    public void getResult(JobRef request, StreamObserver<ReconstructionResult> response) {
        answer(response, () -> {
            Principal caller = caller();
            Job job = ledger.state(request.getJobId()).map(JobState::getJob)
                    .filter(j -> j.getOwnerId().equals(caller.userId()) && j.getType().equals(RECONSTRUCT))
                    .orElseThrow(() -> Errors.notFound("JOB_NOT_FOUND", "Job not found"));
            return views.result(job).orElseThrow(() -> Errors.of(Status.Code.FAILED_PRECONDITION, "NOT_COMPLETED",
                    "The reconstruction has not completed"));
        });
    }

    /** Every state change of the project's jobs, including those attached later; ends when it is deleted. */
    @Override
    public void watchProject(ProjectRef request, StreamObserver<ProjectJobEvent> response) {
        Project p;
        try {
            p = store.require(request.getProjectId(), caller().userId());
        } catch (RuntimeException e) {
            response.onError(e instanceof FabricException fe ? Errors.from(fe) : Errors.toStatus(e));
            return;
        }
        watches.watch(p, response);
    }

    private static void checkLengths(String name, String description) {
        if (name.length() > MAX_NAME) {
            throw Errors.invalid("NAME_TOO_LONG", "name is longer than " + MAX_NAME + " characters");
        }
        if (description.length() > MAX_DESCRIPTION) {
            throw Errors.invalid("DESCRIPTION_TOO_LONG", "description is longer than " + MAX_DESCRIPTION
                    + " characters");
        }
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
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
