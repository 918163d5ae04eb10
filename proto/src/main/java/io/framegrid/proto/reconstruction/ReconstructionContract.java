package io.framegrid.proto.reconstruction;

import io.framegrid.proto.jobs.v1.Job;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Product D's contract between roles, defined once: job and task type names, stage order, the job metadata and task
 * parameters planner and executors share, COLMAP's quality levels, result refs, and the documented quality score.
 */
public final class ReconstructionContract {
    /** The product's name in every role: plug-in names, configuration keys {@code gateway.reconstruction.*}. */
    public static final String PRODUCT = "reconstruction";
    /** Job and task type: a gpu-node decodes an uploaded video and records what plays on the media. */
    public static final String PROBE = "reconstruction.probe";
    /** Job and task type: frames of the project's video into a zip of JPEGs (by interval or keyframes). */
    public static final String EXTRACT = "reconstruction.extract";
    /** Job type of a reconstruction, planned into the four stages below, each one task. */
    public static final String RECONSTRUCT = "reconstruction.reconstruct";
    public static final String FEATURES = "reconstruction.features";
    public static final String MATCH = "reconstruction.match";
    public static final String MAP = "reconstruction.map";
    public static final String MESH = "reconstruction.mesh";
    public static final int FEATURES_STAGE = 0;
    public static final int MATCH_STAGE = 1;
    public static final int MAP_STAGE = 2;
    public static final int MESH_STAGE = 3;
    /** Every job type of the product (what a project's jobs may be). */
    public static final List<String> JOB_TYPES = List.of(EXTRACT, RECONSTRUCT);

    /** Job metadata: the project the job belongs to (integer id). */
    public static final String PROJECT_ID = "project_id";
    /** Probe and extract metadata: the video's media id. */
    public static final String MEDIA_ID = "media_id";
    /** Extract metadata: seconds between frames (interval strategy), and the strategy. */
    public static final String INTERVAL = "interval";
    public static final String STRATEGY = "strategy";
    public static final String STRATEGY_INTERVAL = "interval";
    public static final String STRATEGY_KEYFRAMES = "keyframes";
    /** Extract metadata: at most this many frames (0 = no cap). */
    public static final String MAX_FRAMES = "max_frames";
    /** Reconstruct metadata: the quality level, the input images' media ids (comma-separated) or a frames zip. */
    public static final String QUALITY = "quality";
    public static final String INPUT_MEDIA_IDS = "input_media_ids";
    public static final String FRAMES_MEDIA_ID = "frames_media_id";
    /** Reconstruct metadata with a frames zip: how many frames it holds. */
    public static final String FRAMES_COUNT = "frames_count";
    /** Planner-set task parameters: the matcher ({@code sequential} or {@code exhaustive}), dense meshing on a GPU. */
    public static final String MATCHER = "matcher";
    public static final String DENSE = "dense";
    /** Probe keys on the media. */
    public static final String PROBE_FRAMES = "reconstruction.frames";
    public static final String PROBE_FPS = "reconstruction.fps";
    public static final String PROBE_DURATION = "reconstruction.duration_seconds";

    /** Result refs of the stages: the COLMAP database, the sparse model (zip), and the products. */
    public static final String DATABASE_REF = "database:";
    public static final String MODEL_REF = "model:";
    public static final String POINT_CLOUD_REF = "point_cloud:";
    public static final String MESH_REF = "mesh:";
    public static final String TEXTURED_MESH_REF = "textured_mesh:";
    /** Result ref of an extraction: the zip of frames. */
    public static final String FRAMES_REF = "frames:";
    /** How the meshes were made on a node without CUDA; the job's results say so. */
    public static final String SPARSE_NOTE = "No CUDA node ran this reconstruction: the mesh is a Poisson surface of "
            + "the sparse points (no dense stereo)";

    private ReconstructionContract() {
    }

    /**
     * COLMAP's quality levels as {@code automatic_reconstructor} sets them: the longest image side SIFT sees and the
     * most features it keeps per image.
     */
    public enum Quality {
        LOW(1000, 2048), MEDIUM(1600, 4096), HIGH(2400, 8192), EXTREME(3200, 8192);

        private final int maxImageSize;
        private final int maxFeatures;

        Quality(int maxImageSize, int maxFeatures) {
            this.maxImageSize = maxImageSize;
            this.maxFeatures = maxFeatures;
        }

        public int maxImageSize() {
            return maxImageSize;
        }

        public int maxFeatures() {
            return maxFeatures;
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The level {@code value} names (low, medium, high, extreme); anything else is refused. */
        public static Quality parse(String value) {
            for (Quality q : values()) {
                if (q.wire().equals(value)) {
                    return q;
                }
            }
            throw new IllegalArgumentException("quality must be one of low, medium, high, extreme");
        }
    }

    /**
     * The project's {@code reconstruction_quality}, in [0, 1]: the share of input images registered, times
     * {@code 1 / (1 + e)} where {@code e} is the mean reprojection error in pixels. 8 of 8 images at 0.5 px score
     * 0.67; half the images at 1 px score 0.25; nothing registered scores 0.
     */
    public static double qualityScore(int registered, int inputs, double meanErrorPx) {
        if (inputs <= 0 || registered <= 0 || !(meanErrorPx >= 0)) {
            return 0;
        }
        return Math.min(1.0, (double) registered / inputs) / (1 + meanErrorPx);
    }

    /** The media id a completed job's result ref {@code prefix} names, if it has one. */
    public static Optional<String> ref(Job job, String prefix) {
        return ref(job.getResultRefsList(), prefix);
    }

    public static Optional<String> ref(List<String> refs, String prefix) {
        return refs.stream().filter(r -> r.startsWith(prefix)).map(r -> r.substring(prefix.length())).findFirst();
    }

    /** A job's failure as its user should read it: without the fabric's "Task x failed: " prefix, never blank. */
    public static String userError(String error) {
        String e = error == null ? "" : error.replaceFirst("^Task \\S+ failed: ", "");
        return e.isBlank() ? "The reconstruction failed" : e;
    }
}
