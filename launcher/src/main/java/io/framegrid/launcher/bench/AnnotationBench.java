package io.framegrid.launcher.bench;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.gpunode.engine.motion.DashcamClip;
import io.framegrid.gpunode.engine.motion.RoadFlow;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.ignite.Ignite;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench annotation}: a private standalone cluster (grid node, coordinator, one gpu-node) measured
 * through the SDK. (1) Lock claims ({@code NextUnannotated} with lock, one grid transaction each) by 1 annotator and
 * by 64 concurrent annotators over a seeded pool: p50/p99. (2) Speed inference of a rendered dashcam clip
 * (after training a model on another) as a cluster job, frames/s against a bare loop in this JVM that decodes the
 * same file and runs the same road flow over the same frame pairs in one thread, measured in the same run.
 */
@Command(name = "annotation", mixinStandardHelpOptions = true,
        description = "Annotation lock claim latency and speed inference throughput")
public final class AnnotationBench implements Callable<Integer> {
    @Option(names = "--claims", defaultValue = "500", description = "Claims by the single annotator") int claims;
    @Option(names = "--pool", defaultValue = "1000", description = "Videos seeded for the 64 concurrent annotators")
    int pool;
    @Option(names = "--seconds", defaultValue = "30", description = "Length of the inferred clip (20 fps, 320x240)")
    int seconds;
    @Option(names = "--dir", description = "Scratch directory (default: a temp dir)") Path dir;

    private static final int FPS = 20;

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("framegrid-bench");
        FramegridConfig config = FramegridConfig.from(IsolatedSettings.builder(root.resolve("data"), "bench-" + UUID.randomUUID())
                .set("gpu-node.models.dir", SharedFiles.models().toString())
                .set("grid.cache-region.max-size-mb", 256)
                .set("grid.durable-region.max-size-mb", 512)
                .set("identity.admin.password", "BenchAdmin123")
                .set("metrics.enabled", false)
                .build());
        List<String> speeds = Files.readAllLines(SharedFiles.media("telemetry/speeds-20hz.txt"));
        Path trainClip = root.resolve("train.mp4");
        Path testClip = root.resolve("test.mp4");
        Path texture = SharedFiles.media("images/kite.jpg");
        DashcamClip.render(texture, profile(speeds, 16_400, 60 * FPS), FPS, 320, 240, trainClip);
        DashcamClip.render(texture, profile(speeds, 16_400 + 60 * FPS, seconds * FPS + 1), FPS, 320, 240, testClip);
        Telemetry telemetry = new Telemetry(new PrometheusRegistry());
        NodeCapabilities capabilities = NodeCapabilities.probe();
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("standalone", capabilities.asAttributes());
        try (CoordinatorServer coordinator = new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start();
             GpuNode node = new GpuNode(config, telemetry, ignite, capabilities).start();
             FramegridClient client = FramegridClient.builder("127.0.0.1:" + coordinator.port()).build()) {
            List<AnnotationClient> annotators = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String name = "bench" + i;
                client.identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com").setUsername(name)
                        .setPassword("BenchPass123").build());
                annotators.add(new AnnotationClient(client.withBearerToken(
                        client.identity().login(name + "@example.com", "BenchPass123").getAccessToken())));
            }
            seed(ignite, 200);
            claimAll(annotators.subList(0, 1), 200); // warm-up
            seed(ignite, claims);
            List<Long> single = claimAll(annotators.subList(0, 1), claims);
            seed(ignite, pool);
            List<Long> concurrent = claimAll(annotators, pool);

            AnnotationClient admin = new AnnotationClient(client.withBearerToken(
                    client.identity().login("admin@framegrid.local", "BenchAdmin123").getAccessToken()));
            String train = upload(admin, trainClip);
            List<TelemetryPoint> csv = new ArrayList<>();
            for (int i = 0; i < 60 * FPS; i++) {
                csv.add(TelemetryPoint.newBuilder().setTimestampMs(i * 1000L / FPS).setHasSpeed(true)
                        .setSpeedMps(Double.parseDouble(speeds.get(16_400 + i).trim())).build());
            }
            admin.putTelemetryAsync(train, csv).join();
            check(admin.awaitAsync(admin.submitTrainingAsync().join().getJobId(), Duration.ofMinutes(20)).join());
            String test = upload(admin, testClip);
            check(admin.awaitAsync(admin.submitInferenceAsync(test).join().getJobId(), Duration.ofMinutes(20)).join());
            long start = System.nanoTime();
            Job run = admin.awaitAsync(admin.submitInferenceAsync(test).join().getJobId(), Duration.ofMinutes(20)).join();
            double clusterSeconds = (System.nanoTime() - start) / 1e9;
            check(run);
            int frames = seconds * FPS + 1;
            bareLoop(testClip); // warm-up
            long bareStart = System.nanoTime();
            int pairs = bareLoop(testClip);
            double bareSeconds = (System.nanoTime() - bareStart) / 1e9;
            System.out.printf(Locale.ROOT, "lock claim, 1 annotator (%d claims):   p50 %.2f ms  p99 %.2f ms%n", single.size(),
                    pct(single, 50), pct(single, 99));
            System.out.printf(Locale.ROOT, "lock claim, 64 annotators (%d claims): p50 %.2f ms  p99 %.2f ms%n",
                    concurrent.size(), pct(concurrent, 50), pct(concurrent, 99));
            System.out.printf(Locale.ROOT, "inference job (%d frames, %d tasks): %.2f s = %.1f frames/s%n", frames,
                    run.getTasksTotal(), clusterSeconds, frames / clusterSeconds);
            System.out.printf(Locale.ROOT, "bare loop (decode + RoadFlow on %d pairs, one thread): %.2f s = %.1f frames/s%n",
                    pairs, bareSeconds, frames / bareSeconds);
            System.out.printf(Locale.ROOT, "inference / bare loop: %.2fx (target >= 0.8x)%n", bareSeconds / clusterSeconds);
        } finally {
            ignite.close();
            BenchFiles.deleteQuietly(root);
        }
        return 0;
    }

    private static List<Double> profile(List<String> lines, int from, int count) {
        List<Double> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(Double.parseDouble(lines.get(i).trim()));
        }
        return out;
    }

    private static void seed(Ignite ignite, int n) {
        var videos = ignite.<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            videos.put(id, Video.newBuilder().setVideoId(id).setTitle("bench").setUploaderId("bench")
                    .setUploadDateMs(now + i).setFrames(100).setFps(25).setDurationMs(4000).build().toByteArray());
        }
    }

    /** Every annotator claims (and commits, so the pool drains) until {@code total} claims were made. */
    private static List<Long> claimAll(List<AnnotationClient> annotators, int total) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(annotators.size());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(total);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (AnnotationClient a : annotators) {
            done.add(threads.submit(() -> {
                go.await();
                while (left.getAndDecrement() > 0) {
                    long t0 = System.nanoTime();
                    Video v = a.nextUnannotatedAsync(true, Duration.ofMinutes(30)).join();
                    latencies.add(System.nanoTime() - t0);
                    a.commitAsync(v.getVideoId(), Long.toString(v.getLease().getToken()), List.of()).join();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();
        return latencies;
    }

    private static String upload(AnnotationClient admin, Path clip) throws Exception {
        try (InputStream in = Files.newInputStream(clip)) {
            Media m = admin.uploadAsync(in, clip.getFileName().toString(), "video/mp4").join();
            return admin.registerAsync(m).join().getVideoId();
        }
    }

    private static void check(Job job) {
        if (job.getStatus() != JobStatus.JOB_STATUS_COMPLETED) {
            throw new IllegalStateException(job.getType() + " failed: " + job.getErrorMessage());
        }
    }

    /** Decode and the same road flow over the same pairs as the inference's flow tasks, one thread. */
    private static int bareLoop(Path clip) {
        int[] pairs = {0};
        try (RoadFlow flow = new RoadFlow()) {
            Mat[] previous = new Mat[1];
            new MediaDecoder().decode(clip, FrameSampling.all(), f -> {
                Mat prepared = flow.prepare(f.image());
                if (previous[0] != null) {
                    flow.measure(previous[0], prepared, 1.0 / FPS);
                    pairs[0]++;
                    previous[0].close();
                }
                previous[0] = prepared;
                return true;
            });
            if (previous[0] != null) {
                previous[0].close();
            }
        }
        return pairs[0];
    }

    private static double pct(List<Long> nanos, int p) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
    }
}
