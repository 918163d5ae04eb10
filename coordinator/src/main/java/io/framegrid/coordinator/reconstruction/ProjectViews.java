package io.framegrid.coordinator.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.reconstruction.v1.FramesResult;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import java.util.Optional;

/**
 * A project as its user reads it: the stored record plus what its newest jobs say. Status: {@code archived} when
 * archived; else {@code processing} while its newest extraction or reconstruction runs, {@code completed} or
 * {@code failed} by the newest reconstruction, {@code draft} otherwise (a cancelled one included). Frames: those of
 * the newest completed extraction, else the uploaded images; processed frames: images the reconstruction registered.
 */
final class ProjectViews {
    private final JobLedger ledger;

    ProjectViews(JobLedger ledger) {
        this.ledger = ledger;
    }

    Project view(Project stored) {
        Project.Builder b = stored.toBuilder();
        String status = "draft";
        Optional<Job> extract = job(stored.getExtractJobId());
        Optional<Job> reconstruct = job(stored.getReconstructJobId());
        int frames = stored.getImageMediaIdsCount();
        Optional<FramesResult> extracted = extract.flatMap(this::frames);
        if (extracted.isPresent()) {
            b.setFramesZipMediaId(extracted.get().getZipMediaId()).setFrames(extracted.get().getFrames());
            frames = extracted.get().getFrames();
        }
        b.setTotalFrames(frames);
        if (reconstruct.isPresent()) {
            Job r = reconstruct.get();
            switch (r.getStatus()) {
                case JOB_STATUS_COMPLETED -> {
                    status = "completed";
                    result(r).ifPresent(res -> b.setProcessedFrames(res.getRegisteredImages())
                            .setReconstructionQuality(res.getQualityScore()));
                    b.setProcessingTime(seconds(r));
                }
                case JOB_STATUS_FAILED -> status = "failed";
                case JOB_STATUS_QUEUED, JOB_STATUS_PROCESSING -> status = "processing";
                default -> { }
            }
        }
        if (extract.filter(j -> !JobLedger.isTerminal(j.getStatus())).isPresent()) {
            status = "processing";
        }
        if ("archived".equals(stored.getStoredStatus())) {
            status = "archived";
        }
        return b.setStatus(status).build();
    }

    Optional<Job> job(String jobId) {
        return jobId.isEmpty() ? Optional.empty() : ledger.state(jobId).map(JobState::getJob);
    }

    /** The frames a completed extraction stored. */
    Optional<FramesResult> frames(Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            return Optional.empty();
        }
        return output(job.getJobId(), 0).map(o -> {
            try {
                return FramesResult.parseFrom(o.getData());
            } catch (InvalidProtocolBufferException e) {
                return null;
            }
        });
    }

    /** What a completed reconstruction's meshing stage committed. */
    Optional<ReconstructionResult> result(Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            return Optional.empty();
        }
        return output(job.getJobId(), MESH_STAGE).map(o -> {
            try {
                return ReconstructionResult.parseFrom(o.getData());
            } catch (InvalidProtocolBufferException e) {
                return null;
            }
        });
    }

    /** Called for completed jobs only, which a plain read may show before their last commit's output. */
    private Optional<TaskOutput> output(String jobId, int stage) {
        String taskId = JobLedger.taskId(jobId, stage, 0);
        Optional<TaskOutput> output = ledger.output(taskId);
        return output.isPresent() ? output : ledger.committedOutput(taskId);
    }

    private static double seconds(Job job) {
        if (!job.hasStartedAt() || !job.hasCompletedAt()) {
            return 0;
        }
        long ms = (job.getCompletedAt().getSeconds() - job.getStartedAt().getSeconds()) * 1000
                + (job.getCompletedAt().getNanos() - job.getStartedAt().getNanos()) / 1_000_000;
        return Math.max(0, ms) / 1000.0;
    }
}
