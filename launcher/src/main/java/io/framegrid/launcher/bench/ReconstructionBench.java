package io.framegrid.launcher.bench;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.ReconstructionContract.Quality;
import io.framegrid.proto.reconstruction.v1.Project;
import io.framegrid.proto.reconstruction.v1.ReconstructionResult;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench reconstruction}: product D on a private standalone cluster (grid node, coordinator, one
 * gpu-node with COLMAP) through the SDK. (1) Herz-Jesu-P8 at a quality level: the job's wall time and its COLMAP
 * stages against the same COLMAP commands (feature_extractor, exhaustive_matcher, mapper) run directly on the same
 * images in the same run. (2) The P25 video: keyframes against uniform extraction of as many frames — registered
 * images and wall time of extraction plus reconstruction.
 */
@Command(name = "reconstruction", mixinStandardHelpOptions = true,
        description = "Reconstruction: wall time against bare COLMAP on P8; keyframes vs uniform frames on the P25 video")
public final class ReconstructionBench implements Callable<Integer> {
    @Option(names = "--quality", defaultValue = "low") String quality;
    @Option(names = "--skip-video", description = "Only the P8 comparison") boolean skipVideo;
    @Option(names = "--dir", description = "Scratch directory (default: a temp dir)") Path dir;

    @Override
    public Integer call() throws Exception {
        Quality q = Quality.parse(quality);
        Path images = SharedFiles.root().resolve("media/multiview/herz-jesu-p8/images");
        Path video = SharedFiles.root().resolve("media/multiview/herz-jesu-p25.mp4");
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("framegrid-bench");
        FramegridConfig config = FramegridConfig.from(
                IsolatedSettings.builder(root.resolve("data"), "bench-" + UUID.randomUUID())
                        .set("gpu-node.models.dir", SharedFiles.models().toString())
                        .set("grid.cache-region.max-size-mb", 256)
                        .set("grid.durable-region.max-size-mb", 256)
                        .set("identity.admin.password", "BenchAdmin123")
                        .set("metrics.enabled", false)
                        .build());
        Telemetry telemetry = new Telemetry(new PrometheusRegistry());
        NodeCapabilities capabilities = NodeCapabilities.probe();
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("standalone", capabilities.asAttributes());
        List<String> lines = new ArrayList<>();
        try (CoordinatorServer coordinator = new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start();
             GpuNode node = new GpuNode(config, telemetry, ignite, capabilities).start();
             FramegridClient client = FramegridClient.builder("127.0.0.1:" + coordinator.port()).build()) {
            client.identity().register(RegisterRequest.newBuilder().setEmail("bench@example.com").setUsername("bench")
                    .setPassword("BenchPass123").build());
            FramegridClient user = client.withBearerToken(
                    client.identity().login("bench", "BenchPass123").getAccessToken());
            ReconstructionClient recon = new ReconstructionClient(user);

            // (1) P8 through the cluster, then bare COLMAP on the same images.
            long project = recon.createAsync("bench P8", "").get().getId();
            List<Media> stored = new ArrayList<>();
            List<Path> files;
            try (var s = Files.list(images)) {
                files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
            }
            for (Path f : files) {
                try (InputStream in = Files.newInputStream(f)) {
                    stored.add(recon.uploadImageAsync(project, in, f.getFileName().toString(), "image/jpeg").get());
                }
            }
            recon.attachImagesAsync(project, stored).get();
            long t0 = System.nanoTime();
            Job job = recon.startReconstructionAsync(project, q).get();
            Job done = user.jobsAsync().terminal(job.getJobId()).get(60, TimeUnit.MINUTES);
            double wall = (System.nanoTime() - t0) / 1e9;
            if (done.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
                throw new IllegalStateException("reconstruction failed: " + done.getErrorMessage());
            }
            ReconstructionResult r = recon.resultAsync(done.getJobId()).get();
            double sfm = r.getStageSeconds(0) + r.getStageSeconds(1) + r.getStageSeconds(2);
            double bare = bareColmap(files, root.resolve("bare"), q);
            lines.add(String.format(Locale.ROOT, "P8 %s: cluster %.1f s wall (stages %s s; features+matching+mapping "
                            + "%.1f s), %d/%d registered, %.3f px, %d points, mesh %d faces",
                    q.wire(), wall, r.getStageSecondsList(), sfm, r.getRegisteredImages(), r.getInputImages(),
                    r.getMeanReprojectionErrorPx(), r.getPoints(), r.getMeshFaces()));
            lines.add(String.format(Locale.ROOT, "bare COLMAP (same three commands, same images): %.1f s; "
                    + "cluster SfM stages / bare = %.2fx (target <= 1.1x); whole job incl. transfers and meshing / "
                    + "bare = %.2fx", bare, sfm / bare, wall / bare));

            // (2) keyframes vs uniform on the video.
            if (!skipVideo) {
                Run key = videoRun(recon, user, video, "keyframes", 0, q);
                Run uniform = videoRun(recon, user, video, "interval", 12.5 / Math.max(1, key.frames), q);
                for (Run run : List.of(key, uniform)) {
                    lines.add(String.format(Locale.ROOT, "P25 video, %s: %d frames, %d registered (%.0f %%), %.3f px, "
                                    + "extraction %.1f s + reconstruction %.1f s", run.strategy, run.frames,
                            run.registered, 100.0 * run.registered / Math.max(1, run.frames), run.error,
                            run.extractSeconds, run.reconstructSeconds));
                }
            }
        } finally {
            ignite.close();
            BenchFiles.deleteQuietly(root);
        }
        lines.forEach(System.out::println);
        return 0;
    }

    private record Run(String strategy, int frames, int registered, double error, double extractSeconds,
                       double reconstructSeconds) {}

    private static Run videoRun(ReconstructionClient recon, FramegridClient user, Path video, String strategy,
            double interval, Quality q) throws Exception {
        long project = recon.createAsync("bench video " + strategy, "").get().getId();
        try (InputStream in = Files.newInputStream(video)) {
            recon.uploadVideoAsync(project, in, video.getFileName().toString(), "video/mp4").get();
        }
        long t0 = System.nanoTime();
        Job extract = recon.extractFramesAsync(project, interval > 0 ? interval : 1, strategy, 0).get();
        Job extracted = user.jobsAsync().terminal(extract.getJobId()).get(30, TimeUnit.MINUTES);
        double e = (System.nanoTime() - t0) / 1e9;
        if (extracted.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            throw new IllegalStateException("extraction failed: " + extracted.getErrorMessage());
        }
        Project p = recon.getAsync(project).get();
        long t1 = System.nanoTime();
        Job job = recon.startReconstructionAsync(project, q).get();
        Job done = user.jobsAsync().terminal(job.getJobId()).get(60, TimeUnit.MINUTES);
        double rs = (System.nanoTime() - t1) / 1e9;
        if (done.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            return new Run(strategy, p.getFrames(), 0, Double.NaN, e, rs);
        }
        ReconstructionResult r = recon.resultAsync(done.getJobId()).get();
        return new Run(strategy, p.getFrames(), r.getRegisteredImages(), r.getMeanReprojectionErrorPx(), e, rs);
    }

    /** The cluster's three SfM commands with the cluster's options, run directly; wall seconds. */
    private static double bareColmap(List<Path> files, Path ws, Quality q) throws Exception {
        Path img = Files.createDirectories(ws.resolve("images"));
        for (Path f : files) {
            Files.copy(f, img.resolve(f.getFileName()));
        }
        Files.createDirectories(ws.resolve("sparse"));
        long t0 = System.nanoTime();
        colmap(ws, "feature_extractor", "--database_path", "database.db", "--image_path", "images",
                "--ImageReader.single_camera", "0", "--SiftExtraction.use_gpu", "0",
                "--SiftExtraction.max_image_size", Integer.toString(q.maxImageSize()),
                "--SiftExtraction.max_num_features", Integer.toString(q.maxFeatures()));
        colmap(ws, "exhaustive_matcher", "--database_path", "database.db", "--SiftMatching.use_gpu", "0");
        colmap(ws, "mapper", "--database_path", "database.db", "--image_path", "images", "--output_path", "sparse");
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void colmap(Path ws, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("colmap"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ws.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("QT_QPA_PLATFORM", "offscreen");
        int code = pb.start().waitFor();
        if (code != 0) {
            throw new IllegalStateException("colmap " + args[0] + " exited " + code);
        }
    }
}
