package io.framegrid.gpunode.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.proto.reconstruction.ReconstructionContract.Quality;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import io.framegrid.proto.reconstruction.v1.RegisteredImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The four stages of a reconstruction, each a task in a workspace of its own that is removed when the task ends:
 * features ({@code feature_extractor}), matching ({@code exhaustive_matcher} or {@code sequential_matcher}),
 * mapping ({@code mapper}, the largest model kept), meshing (the point cloud from {@code model_converter}, normals
 * from the points' neighbourhoods, {@code poisson_mesher} twice: the mesh, and the vertex-coloured mesh). Each
 * stage's result (database, then sparse model) goes to the media library and is named by the task's result ref, so
 * the next stage, or a rerun of this one, can run on any node. COLMAP's output goes to the job's log; its progress
 * lines drive the task's progress.
 */
final class ColmapStages {
    private static final Pattern ANALYZER = Pattern.compile("^(?:.*\\] )?([A-Za-z ]+):\\s*([0-9.]+)");
    /** Neighbours per point normal. */
    static final int NORMAL_NEIGHBOURS = 12;
    /** Points above this are meshed from a deterministic subset (the normals are all-pairs). */
    static final int MAX_MESH_POINTS = 40_000;
    /** Octree depth of the Poisson surface: 8 keeps a facade's shape and meshes in seconds on two cores. */
    static final int POISSON_DEPTH = 8;

    private final ColmapRunner colmap;
    private final StageFiles files;
    private final boolean cuda;

    ColmapStages(ColmapRunner colmap, StageFiles files, boolean cuda) {
        this.colmap = colmap;
        this.files = files;
        this.cuda = cuda;
    }

    // ---- stages ----------------------------------------------------------------------------------------

    TaskCommit features(TaskContext ctx) throws Exception {
        return inWorkspace(ctx, ws -> {
            long t0 = System.nanoTime();
            Quality q = quality(ctx);
            Inputs in = images(ctx, ws);
            ctx.progress(5, "Extracting features");
            run(ctx, ws, "feature_extractor", List.of("--database_path", "database.db", "--image_path", "images",
                    "--ImageReader.single_camera", in.video() ? "1" : "0",
                    "--SiftExtraction.use_gpu", cuda ? "1" : "0",
                    "--SiftExtraction.max_image_size", Integer.toString(q.maxImageSize()),
                    "--SiftExtraction.max_num_features", Integer.toString(q.maxFeatures())), 5, 95);
            Media db = files.store(ws.resolve("database.db"), owner(ctx), "database.db", "application/x-sqlite3",
                    project(ctx));
            return commit(t0, List.of(DATABASE_REF + db.getMediaId()), "Features of " + in.count() + " images at "
                    + q.wire() + " quality (" + q.maxImageSize() + " px, " + q.maxFeatures() + " features)");
        });
    }

    TaskCommit match(TaskContext ctx) throws Exception {
        return inWorkspace(ctx, ws -> {
            long t0 = System.nanoTime();
            previous(ctx, FEATURES_STAGE, DATABASE_REF, ws.resolve("database.db"));
            String matcher = ctx.params().getOrDefault(MATCHER, "exhaustive");
            ctx.progress(5, "Matching features (" + matcher + ")");
            List<String> args = new ArrayList<>(List.of("--database_path", "database.db",
                    "--SiftMatching.use_gpu", cuda ? "1" : "0"));
            run(ctx, ws, matcher.equals("sequential") ? "sequential_matcher" : "exhaustive_matcher", args, 5, 95);
            Media db = files.store(ws.resolve("database.db"), owner(ctx), "database.db", "application/x-sqlite3",
                    project(ctx));
            return commit(t0, List.of(DATABASE_REF + db.getMediaId()), "Matched features " + matcher + "ly");
        });
    }

    TaskCommit map(TaskContext ctx) throws Exception {
        return inWorkspace(ctx, ws -> {
            long t0 = System.nanoTime();
            Inputs in = images(ctx, ws);
            previous(ctx, MATCH_STAGE, DATABASE_REF, ws.resolve("database.db"));
            Files.createDirectories(ws.resolve("sparse"));
            ctx.progress(2, "Mapping");
            colmap.run(ws, "mapper", List.of("--database_path", "database.db", "--image_path", "images",
                    "--output_path", "sparse"), line -> {
                        ctx.log(line);
                        int n = ColmapRunner.registered(line);
                        if (n > 0) {
                            ctx.progress(2 + (int) (90.0 * Math.min(n, in.count()) / in.count()),
                                    "Mapping: " + n + " of " + in.count() + " images registered");
                        }
                    }, f -> { }, ctx::isCancelled).exitCode();
            Path best = largestModel(ctx, ws.resolve("sparse"));
            if (best == null) {
                throw TaskFailure.permanent("No images could be registered: the views do not overlap enough", null);
            }
            Path zip = ws.resolve("model.zip");
            StageFiles.zip(best, zip);
            Media model = files.store(zip, owner(ctx), "sparse-model.zip", "application/zip", project(ctx));
            return commit(t0, List.of(MODEL_REF + model.getMediaId()), "Sparse model stored");
        });
    }

    TaskCommit mesh(TaskContext ctx) throws Exception {
        return inWorkspace(ctx, ws -> {
            long t0 = System.nanoTime();
            Path model = ws.resolve("model");
            Path zip = ws.resolve("model.zip");
            previous(ctx, MAP_STAGE, MODEL_REF, zip);
            StageFiles.unzip(zip, model);
            ctx.progress(5, "Analysing the model");
            ColmapRunner.Outcome analysed = run(ctx, ws, "model_analyzer", List.of("--path", "model"), 5, 5);
            double error = figure(analysed, "Mean reprojection error");
            double trackLength = figure(analysed, "Mean track length");
            ctx.progress(15, "Writing the point cloud");
            run(ctx, ws, "model_converter", List.of("--input_path", "model", "--output_path", "points.ply",
                    "--output_type", "PLY"), 15, 15);
            Path text = Files.createDirectories(ws.resolve("text"));
            run(ctx, ws, "model_converter", List.of("--input_path", "model", "--output_path", "text",
                    "--output_type", "TXT"), 20, 20);
            SparseModel sparse = SparseModel.read(text).subset(MAX_MESH_POINTS);
            boolean wantDense = Boolean.parseBoolean(ctx.params().getOrDefault(DENSE, "false"));
            String note = "";
            if (wantDense && !cuda) {
                note = "The GPU node's COLMAP has no CUDA: the mesh is a Poisson surface of the sparse points";
            } else if (!wantDense) {
                note = SPARSE_NOTE;
            }
            ctx.progress(30, "Estimating normals of " + sparse.points() + " points");
            float[] normals = sparse.normals(NORMAL_NEIGHBOURS);
            ctx.checkCancelled();
            sparse.writeOrientedPly(ws.resolve("oriented.ply"), normals, true);
            ctx.progress(45, "Meshing (Poisson)");
            // One Poisson run: the vertex-coloured surface; the plain mesh is the same surface without colours.
            run(ctx, ws, "poisson_mesher", List.of("--input_path", "oriented.ply", "--output_path",
                    "textured-mesh.ply", "--PoissonMeshing.depth", Integer.toString(POISSON_DEPTH),
                    "--PoissonMeshing.trim", "5"), 45, 45);
            if (!Files.exists(ws.resolve("textured-mesh.ply"))) {
                throw TaskFailure.retryable("Poisson meshing produced no surface", new IOException(
                        "poisson_mesher wrote no textured-mesh.ply"));
            }
            PlyColours.strip(ws.resolve("textured-mesh.ply"), ws.resolve("mesh.ply"));
            PlyHeader mesh = PlyHeader.read(ws.resolve("mesh.ply"));
            ctx.progress(90, "Storing the point cloud and meshes");
            String project = project(ctx);
            Media pc = files.store(ws.resolve("points.ply"), owner(ctx), "point_cloud.ply", "application/x-ply",
                    project);
            Media m = files.store(ws.resolve("mesh.ply"), owner(ctx), "mesh.ply", "application/x-ply", project);
            Media tm = files.store(ws.resolve("textured-mesh.ply"), owner(ctx), "textured_mesh.ply",
                    "application/x-ply", project);
            int inputs = inputCount(ctx);
            ReconstructionResult.Builder result = ReconstructionResult.newBuilder().setInputImages(inputs)
                    .setRegisteredImages(sparse.cameras().size()).setPoints(sparse.totalPoints())
                    .setMeanReprojectionErrorPx(error).setMeanTrackLength(trackLength)
                    .setQualityScore(ReconstructionContract.qualityScore(sparse.cameras().size(), inputs, error))
                    .setMeshMethod("poisson-sparse").setDense(false).setNote(note)
                    .setMeshVertices(mesh.count("vertex")).setMeshFaces(mesh.count("face"))
                    .setQuality(quality(ctx).wire());
            for (int stage = 0; stage < MESH_STAGE; stage++) {
                result.addStageSeconds(ctx.output(stage, 0).map(o -> parseSeconds(o.getData().toStringUtf8()))
                        .orElse(0.0));
            }
            result.addStageSeconds((System.nanoTime() - t0) / 1e9);
            for (SparseModel.Camera c : sparse.cameras()) {
                result.addImages(RegisteredImage.newBuilder().setName(originalName(c.name()))
                        .setCx(c.cx()).setCy(c.cy()).setCz(c.cz()));
            }
            ReconstructionResult r = result.build();
            return new TaskCommit(r.toByteArray(), List.of(POINT_CLOUD_REF + pc.getMediaId(),
                    MESH_REF + m.getMediaId(), TEXTURED_MESH_REF + tm.getMediaId()), 0, List.of(String.format(
                    Locale.ROOT, "Reconstructed: %d of %d images registered, %d points, mean reprojection error "
                            + "%.3f px, mesh %d vertices / %d faces%s", r.getRegisteredImages(), inputs,
                    r.getPoints(), error, r.getMeshVertices(), r.getMeshFaces(), note.isEmpty() ? "" : "; " + note)));
        });
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    interface InWorkspace {
        TaskCommit run(Path workspace) throws Exception;
    }

    /** Runs {@code body} in a fresh workspace, removed afterwards whichever way the task ends. */
    static TaskCommit inWorkspace(TaskContext ctx, InWorkspace body) throws Exception {
        Path ws = Files.createTempDirectory("framegrid-colmap-" + ctx.task().getTaskId().replaceAll("[^A-Za-z0-9-]", "_")
                + "-");
        try {
            return body.run(ws);
        } finally {
            StageFiles.deleteRecursively(ws);
        }
    }

    private ColmapRunner.Outcome run(TaskContext ctx, Path ws, String command, List<String> args, int from, int to)
            throws IOException, InterruptedException {
        ColmapRunner.Outcome out = colmap.run(ws, command, args, ctx::log,
                f -> ctx.progress(from + (int) Math.round((to - from) * f), "COLMAP " + command), ctx::isCancelled);
        if (out.exitCode() != 0) {
            throw TaskFailure.retryable("COLMAP " + command + " failed (exit " + out.exitCode() + ")",
                    new IOException(out.tail(5)));
        }
        return out;
    }

    record Inputs(int count, boolean video) {}

    /** The job's input images in {@code ws/images}: the uploaded images, or the frames zip of an extraction. */
    private Inputs images(TaskContext ctx, Path ws) throws IOException {
        Path dir = Files.createDirectories(ws.resolve("images"));
        String frames = ctx.params().getOrDefault(FRAMES_MEDIA_ID, "");
        if (!frames.isEmpty()) {
            Path zip = ws.resolve("frames.zip");
            files.download(files.owned(frames, owner(ctx)), zip);
            int n = StageFiles.unzip(zip, dir);
            Files.delete(zip);
            return new Inputs(n, true);
        }
        List<String> ids = ids(ctx);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            Media m = files.owned(ids.get(i), owner(ctx));
            String name = safeName(m.getFilename(), i);
            if (!names.add(name.toLowerCase(Locale.ROOT))) {
                name = String.format(Locale.ROOT, "%04d~%s", i, name);
                names.add(name.toLowerCase(Locale.ROOT));
            }
            files.download(m, dir.resolve(name));
            ctx.checkCancelled();
        }
        return new Inputs(ids.size(), false);
    }

    private static List<String> ids(TaskContext ctx) {
        return Stream.of(ctx.params().getOrDefault(INPUT_MEDIA_IDS, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private int inputCount(TaskContext ctx) {
        String frames = ctx.params().getOrDefault(FRAMES_MEDIA_ID, "");
        if (frames.isEmpty()) {
            return ids(ctx).size();
        }
        String declared = ctx.params().getOrDefault(FRAMES_COUNT, "");
        return declared.matches("\\d{1,9}") ? Integer.parseInt(declared) : 0;
    }

    static String safeName(String filename, int index) {
        String base = filename == null ? "" : filename.replaceAll(".*[/\\\\]", "").replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.isBlank() || base.startsWith(".")) {
            base = String.format(Locale.ROOT, "image%04d.jpg", index);
        }
        return base;
    }

    /** The name as uploaded, without the prefix a duplicate name got. */
    static String originalName(String stored) {
        return stored.matches("\\d{4}~.*") ? stored.substring(5) : stored;
    }

    /** Downloads the file that {@code stage}'s committed output names by {@code prefix}. */
    private void previous(TaskContext ctx, int stage, String prefix, Path target) throws IOException {
        TaskOutput out = ctx.output(stage, 0).orElseThrow(() -> TaskFailure.retryable(
                "The previous stage's result is missing", null));
        String id = ReconstructionContract.ref(out.getResultRefsList(), prefix).orElseThrow(() ->
                TaskFailure.permanent("The previous stage stored no result", null));
        files.download(files.owned(id, owner(ctx)), target);
    }

    /** The model folder with the most registered images ({@code sparse/0}, {@code sparse/1}, ...), or null. */
    private Path largestModel(TaskContext ctx, Path sparse) throws IOException, InterruptedException {
        Path best = null;
        double most = 0;
        List<Path> models;
        try (Stream<Path> s = Files.list(sparse)) {
            models = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path m : models) {
            ColmapRunner.Outcome out = colmap.run(sparse.getParent(), "model_analyzer",
                    List.of("--path", sparse.getParent().relativize(m).toString()), l -> { }, f -> { },
                    ctx::isCancelled);
            double registered = figure(out, "Registered images");
            if (registered > most) {
                most = registered;
                best = m;
            }
        }
        return best;
    }

    /** A figure {@code model_analyzer} printed, e.g. "Mean reprojection error: 0.53px"; NaN when absent. */
    static double figure(ColmapRunner.Outcome out, String name) {
        for (String line : out.lines()) {
            Matcher m = ANALYZER.matcher(line.trim());
            if (m.find() && m.group(1).trim().equals(name)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return Double.NaN;
    }

    private static TaskCommit commit(long t0, List<String> refs, String logLine) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new TaskCommit(String.format(Locale.ROOT, "%.3f", seconds).getBytes(StandardCharsets.UTF_8), refs, 0,
                List.of(logLine + String.format(Locale.ROOT, " in %.1f s", seconds)));
    }

    private static double parseSeconds(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Quality quality(TaskContext ctx) {
        return Quality.parse(ctx.params().getOrDefault(QUALITY, "medium"));
    }

    private static String owner(TaskContext ctx) {
        return ctx.task().getOwnerId();
    }

    private static String project(TaskContext ctx) {
        return ctx.params().getOrDefault(PROJECT_ID, "");
    }

}
