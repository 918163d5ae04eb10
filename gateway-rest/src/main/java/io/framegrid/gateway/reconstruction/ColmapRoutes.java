package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.proto.reconstruction.ReconstructionContract.Quality;
import io.framegrid.sdk.FramegridClient;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The routes that start COLMAP work, counted against the COLMAP budget as well as the general one: a reconstruction
 * of a project, and the extraction of its video's frames (both jobs on the cluster).
 */
@Description("Reconstruction (D) COLMAP jobs, on the reconstruction port; 2 requests per second per user")
public final class ColmapRoutes {
    static final double MAX_INTERVAL = 3600;

    private final FramegridClient client;

    ColmapRoutes(FramegridClient client) {
        this.client = client;
    }

    @Post("/projects/{id}/start-reconstruction")
    @Description("Starts a reconstruction of the project's extracted frames (else its images) on the gpu-nodes; "
            + "quality low, medium (default), high or extreme")
    public CompletableFuture<ReconstructionViews.JobBody> start(RequestHeaders headers, @Param("id") String id,
            @Param("quality") Optional<String> quality) {
        long projectId = Callers.id("path", "id", id);
        Quality q;
        try {
            q = Quality.parse(quality.orElse("medium"));
        } catch (IllegalArgumentException e) {
            throw Callers.invalid("query", "quality", "quality must be one of low, medium, high, extreme");
        }
        return Callers.reconstruction(client, headers).startReconstructionAsync(projectId, q)
                .thenApply(job -> ReconstructionViews.JobBody.of(job, null));
    }

    @Post("/files/extract-frames")
    @Description("Extracts frames of the project's video as a job (form: project_id, interval in seconds; beyond the "
            + "spec: strategy=interval|keyframes, max_frames)")
    public CompletableFuture<ReconstructionViews.JobBody> extract(RequestHeaders headers,
            @Param("project_id") Optional<String> projectId, @Param("interval") Optional<String> interval,
            @Param("strategy") Optional<String> strategy, @Param("max_frames") Optional<String> maxFrames) {
        long project = Callers.id("body", "project_id", projectId.orElse(null));
        String s = strategy.orElse(ReconstructionContract.STRATEGY_INTERVAL);
        if (!s.equals(ReconstructionContract.STRATEGY_INTERVAL) && !s.equals(ReconstructionContract.STRATEGY_KEYFRAMES)) {
            throw Callers.invalid("body", "strategy", "strategy must be interval or keyframes");
        }
        double seconds = 1;
        if (interval.isPresent() && !interval.get().isBlank()) {
            try {
                seconds = Double.parseDouble(interval.get().trim());
            } catch (NumberFormatException e) {
                throw Callers.invalid("body", "interval", "value is not a valid number");
            }
            if (!(seconds > 0 && seconds <= MAX_INTERVAL)) {
                throw Callers.invalid("body", "interval", "interval must be more than 0 and at most 3600 seconds");
            }
        } else if (s.equals(ReconstructionContract.STRATEGY_INTERVAL)) {
            throw Callers.missing("body", "interval");
        }
        int max = Callers.intParam("body", "max_frames", maxFrames.orElse(null), 0, 0, 100_000);
        return Callers.reconstruction(client, headers).extractFramesAsync(project, seconds, s, max)
                .thenApply(job -> ReconstructionViews.JobBody.of(job, null));
    }
}
