package io.framegrid.coordinator.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;

import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Product D's job types. {@code reconstruction.probe} checks an uploaded video on a gpu-node (the coordinator has no
 * media stack). {@code reconstruction.extract} is one task over the whole video (interval or keyframes need it in
 * order). {@code reconstruction.reconstruct} is four sequential one-task stages, because COLMAP needs the whole image
 * set at once: features, matching, mapping, then the point cloud and meshes. Each stage leaves its result (the COLMAP
 * database, then the sparse model) in the media library, so a stage whose node dies reruns on any other node from the
 * previous stage's output. Parameters are checked here, at submit: a bad value is the caller's error, not a failed job.
 */
final class ReconstructionJobs {
    /** Longest a reconstruction may process: extreme quality on hundreds of frames on CPUs takes long. */
    static final Duration MAX_DURATION = Duration.ofHours(6);
    static final Duration EXTRACT_MAX_DURATION = Duration.ofHours(1);
    /** Image sets up to this size are matched exhaustively; video frames always sequentially. */
    static final int EXHAUSTIVE_MAX_IMAGES = 60;
    /** Most seconds between extracted frames. */
    static final double MAX_INTERVAL = 3600;

    private ReconstructionJobs() {
    }

    static void register(JobTypes types, BooleanSupplier gpuLive) {
        types.register(PROBE, meta -> {
            require(meta, MEDIA_ID);
            return List.of(JobTypes.stage("Probing video", PROBE, 1, Map.of()));
        });
        types.register(EXTRACT, ReconstructionJobs::planExtract, EXTRACT_MAX_DURATION);
        types.register(RECONSTRUCT, meta -> planReconstruct(meta, gpuLive), MAX_DURATION);
    }

    static List<StagePlan> planExtract(Map<String, String> meta) {
        require(meta, PROJECT_ID);
        require(meta, MEDIA_ID);
        String strategy = meta.getOrDefault(STRATEGY, STRATEGY_INTERVAL);
        if (!strategy.equals(STRATEGY_INTERVAL) && !strategy.equals(STRATEGY_KEYFRAMES)) {
            throw new IllegalArgumentException(STRATEGY + " must be interval or keyframes");
        }
        if (strategy.equals(STRATEGY_INTERVAL) || meta.containsKey(INTERVAL)) {
            double interval;
            try {
                interval = Double.parseDouble(meta.getOrDefault(INTERVAL, "1"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(INTERVAL + " must be a number of seconds");
            }
            if (!(interval > 0 && interval <= MAX_INTERVAL)) {
                throw new IllegalArgumentException(INTERVAL + " must be more than 0 and at most " + (int) MAX_INTERVAL
                        + " seconds");
            }
        }
        JobTypes.intParam(meta, MAX_FRAMES, 0, 0, 100_000);
        return List.of(JobTypes.stage("Extracting frames", EXTRACT, 1, Map.of()));
    }

    static List<StagePlan> planReconstruct(Map<String, String> meta, BooleanSupplier gpuLive) {
        require(meta, PROJECT_ID);
        Quality.parse(meta.getOrDefault(QUALITY, "medium"));
        String images = meta.getOrDefault(INPUT_MEDIA_IDS, "");
        String frames = meta.getOrDefault(FRAMES_MEDIA_ID, "");
        if (images.isBlank() == frames.isBlank()) {
            throw new IllegalArgumentException("exactly one of " + INPUT_MEDIA_IDS + " and " + FRAMES_MEDIA_ID
                    + " is required");
        }
        int count = images.isBlank() ? 0 : images.split(",").length;
        String matcher = !frames.isBlank() || count > EXHAUSTIVE_MAX_IMAGES ? "sequential" : "exhaustive";
        Map<String, String> any = Map.of();
        // Dense stereo needs CUDA: only when a GPU node is live is the meshing stage routed to one.
        boolean dense = gpuLive.getAsBoolean();
        Map<String, String> meshRequirements = dense ? Map.of("requires.gpu", "true") : any;
        StagePlan match = JobTypes.stage("Matching features", MATCH, 1, any).toBuilder()
                .putParams(MATCHER, matcher).build();
        StagePlan mesh = JobTypes.stage("Meshing", MESH, 1, meshRequirements).toBuilder()
                .putParams(DENSE, Boolean.toString(dense)).build();
        return List.of(JobTypes.stage("Extracting features", FEATURES, 1, any), match,
                JobTypes.stage("Mapping", MAP, 1, any), mesh);
    }

    private static void require(Map<String, String> meta, String key) {
        if (meta.getOrDefault(key, "").isBlank()) {
            throw new IllegalArgumentException(key + " is required");
        }
    }

    /** The project id of a job's metadata, or -1. */
    static long projectOf(Map<String, String> meta) {
        try {
            return Long.parseLong(meta.getOrDefault(ReconstructionContract.PROJECT_ID, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

}
