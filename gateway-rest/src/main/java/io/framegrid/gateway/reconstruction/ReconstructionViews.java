package io.framegrid.gateway.reconstruction;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.framegrid.gateway.http.Users;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Surface D's JSON: projects and jobs as the spec names their fields, times ISO-8601 UTC. */
final class ReconstructionViews {
    private ReconstructionViews() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ProjectBody(long id, String name, String description, String status, int totalFrames,
                              int processedFrames, double reconstructionQuality, double processingTime,
                              String createdAt, String updatedAt) {
        static ProjectBody of(Project p) {
            return new ProjectBody(p.getId(), p.getName(), p.getDescription(), p.getStatus(), p.getTotalFrames(),
                    p.getProcessedFrames(), p.getReconstructionQuality(), p.getProcessingTime(), iso(p.getCreatedMs()),
                    iso(p.getUpdatedMs()));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record JobBody(String id, long projectId, String jobType, String status, int progress, String currentStep,
                          String errorMessage, String createdAt, String startedAt, String completedAt,
                          Map<String, Object> metadata) {
        static JobBody of(Job job, ReconstructionResult result) {
            Map<String, Object> meta = new LinkedHashMap<>();
            Map<String, String> m = job.getMetadataMap();
            for (String key : new String[] {ReconstructionContract.QUALITY, ReconstructionContract.STRATEGY,
                    ReconstructionContract.INTERVAL}) {
                if (m.containsKey(key)) {
                    meta.put(key, m.get(key));
                }
            }
            if (result != null) {
                meta.put("input_images", result.getInputImages());
                meta.put("registered_images", result.getRegisteredImages());
                meta.put("points", result.getPoints());
                meta.put("mean_reprojection_error_px", result.getMeanReprojectionErrorPx());
                meta.put("mean_track_length", result.getMeanTrackLength());
                meta.put("reconstruction_quality", result.getQualityScore());
                meta.put("mesh_method", result.getMeshMethod());
                meta.put("dense", result.getDense());
                meta.put("mesh_vertices", result.getMeshVertices());
                meta.put("mesh_faces", result.getMeshFaces());
                meta.put("stage_seconds", result.getStageSecondsList());
                if (!result.getNote().isEmpty()) {
                    meta.put("note", result.getNote());
                }
            }
            return new JobBody(job.getJobId(), projectOf(job), ReconstructionViews.jobType(job.getType()),
                    ReconstructionViews.status(job.getStatus()),
                    job.getProgress(), job.getCurrentStep(),
                    job.getErrorMessage().isEmpty() ? null : ReconstructionContract.userError(job.getErrorMessage()),
                    job.hasCreatedAt() ? Users.iso(job.getCreatedAt()) : null,
                    job.hasStartedAt() ? Users.iso(job.getStartedAt()) : null,
                    job.hasCompletedAt() ? Users.iso(job.getCompletedAt()) : null, meta);
        }
    }

    static long projectOf(Job job) {
        try {
            return Long.parseLong(job.getMetadataMap().getOrDefault(ReconstructionContract.PROJECT_ID, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code frame_extraction} or {@code reconstruction}. */
    static String jobType(String type) {
        return ReconstructionContract.EXTRACT.equals(type) ? "frame_extraction" : "reconstruction";
    }

    /** The grid job type a REST {@code job_type} filter names; null when it names none of D's. */
    static String gridType(String jobType) {
        return switch (jobType) {
            case "frame_extraction", "extract", ReconstructionContract.EXTRACT -> ReconstructionContract.EXTRACT;
            case "reconstruction", ReconstructionContract.RECONSTRUCT -> ReconstructionContract.RECONSTRUCT;
            default -> null;
        };
    }

    static String status(JobStatus status) {
        return switch (status) {
            case JOB_STATUS_QUEUED -> "pending";
            case JOB_STATUS_PROCESSING -> "running";
            case JOB_STATUS_COMPLETED -> "completed";
            case JOB_STATUS_FAILED -> "failed";
            case JOB_STATUS_CANCELLED -> "cancelled";
            default -> "pending";
        };
    }

    /** The grid status a REST {@code status} filter names; null when unknown. */
    static JobStatus gridStatus(String status) {
        return switch (status) {
            case "pending", "queued" -> JobStatus.JOB_STATUS_QUEUED;
            case "running", "processing" -> JobStatus.JOB_STATUS_PROCESSING;
            case "completed" -> JobStatus.JOB_STATUS_COMPLETED;
            case "failed" -> JobStatus.JOB_STATUS_FAILED;
            case "cancelled" -> JobStatus.JOB_STATUS_CANCELLED;
            default -> null;
        };
    }

    static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }
}
