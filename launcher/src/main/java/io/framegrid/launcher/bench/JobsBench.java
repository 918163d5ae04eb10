package io.framegrid.launcher.bench;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.settings.Settings;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.LedgerMetrics;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.gpunode.tasks.TaskWorker;
import io.framegrid.gpunode.tasks.WorkerProfile;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.jobs.JobsAsyncClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench jobs}: a private standalone cluster (one grid node with persistence, the
 * coordinator, one task worker) measured through the public gRPC API: no-op job submit-to-completed
 * latency, sustained no-op jobs/s, and streamed upload throughput against {@code dd} on the same disk.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Job latency/throughput and upload speed")
public final class JobsBench implements Callable<Integer> {
    @Option(names = "--warmup-jobs", defaultValue = "3000",
            description = "No-op jobs run before measuring, at least (the JIT compiles Ignite's tx paths for a long while)")
    int warmupJobs;
    @Option(names = "--warmup-max-seconds", defaultValue = "90",
            description = "Warm-up goes on in rounds of 1,000 jobs until the JIT compiles for under 10%% of a round, or this long")
    int warmupMaxSeconds;
    @Option(names = "--latency-jobs", defaultValue = "500") int latencyJobs;
    @Option(names = "--throughput-jobs", defaultValue = "20000") int throughputJobs;
    @Option(names = "--in-flight", defaultValue = "64") int inFlight;
    @Option(names = "--upload-mb", defaultValue = "256") int uploadMb;
    @Option(names = "--upload-rounds", defaultValue = "5",
            description = "dd and upload alternate this many times; the medians are compared")
    int uploadRounds;
    @Option(names = "--dir", description = "Scratch directory (default: a temp dir)") Path dir;

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("framegrid-bench");
        Settings settings = IsolatedSettings.builder(root.resolve("data"), "bench-" + UUID.randomUUID())
                .set("grid.durable-region.max-size-mb", 512)
                .set("jobs.tier-limit.free", 100_000)
                .set("identity.admin.password", "BenchAdmin123")
                .set("metrics.enabled", false)
                .build();
        FramegridConfig config = FramegridConfig.from(settings);
        Telemetry telemetry = new Telemetry(new PrometheusRegistry());
        // Ledger transactions of both sides: the coordinator's ledger (submits, read from its metric family) and
        // the task worker's (leases, commits).
        LedgerMetrics workerLedger = new LedgerMetrics();
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("standalone", Map.of());
        try (CoordinatorServer server = new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start();
             TaskWorker worker = new TaskWorker(ignite,
                     new JobLedger(ignite, config.jobs(), Clock.systemUTC(), workerLedger),
                     TaskExecutors.withBuiltIns(), new WorkerProfile("bench", false, Set.of(), 4),
                     Clock.systemUTC()).start();
             FramegridClient client = FramegridClient.builder("127.0.0.1:" + server.port()).build();
             // The job load generator's callbacks only complete futures and start the next call: they run on the
             // transport's event loop, so the client takes as little as it can of the cluster's cores. Uploads go
             // through the client above, with the SDK's defaults.
             FramegridClient loadClient = FramegridClient.builder("127.0.0.1:" + server.port())
                     .executor(Runnable::run).build()) {
            client.identity().register(RegisterRequest.newBuilder().setEmail("bench@example.com").setUsername("bench")
                    .setPassword("BenchPass123").build());
            String token = client.identity().login("bench", "BenchPass123").getAccessToken();
            FramegridClient user = client.withBearerToken(token);
            JobsAsyncClient jobs = loadClient.withBearerToken(token).jobsAsync();
            SubmitJobRequest noop = SubmitJobRequest.newBuilder().setType(JobTypes.NOOP).build();

            // Upload vs dd, measured first, on the quiet cluster: after the job phases the grid still owes a checkpoint
            // of their pages, which would compete for the disk. Two uploads run unmeasured first (JIT, buffers).
            // Comparable: the source file is on disk before any of them runs; all write its bytes (read from the page
            // cache) to the same file system and are timed until the data is durable; they alternate, so a slow
            // spell of the virtual disk hits each; medians are compared. Two dd baselines: through the page cache
            // with one fdatasync at the end (the usual "disk speed"), and O_DIRECT as the local store writes.
            Path upload = root.resolve("upload.bin");
            DiskBaseline.writeRandom(upload, uploadMb);
            for (int i = 0; i < 2; i++) {
                user.media().upload(upload, "application/octet-stream");
            }
            double[] ddRuns = new double[uploadRounds];
            double[] ddDirectRuns = new double[uploadRounds];
            double[] uploadRuns = new double[uploadRounds];
            for (int round = 0; round < uploadRounds; round++) {
                ddRuns[round] = DiskBaseline.dd(upload, root.resolve("dd.bin"), uploadMb, "conv=fdatasync");
                ddDirectRuns[round] = DiskBaseline.dd(upload, root.resolve("dd.bin"), uploadMb, "oflag=direct", "conv=fsync");
                long u0 = System.nanoTime();
                Media media = user.media().upload(upload, "application/octet-stream");
                uploadRuns[round] = media.getSize() / 1048576.0 / ((System.nanoTime() - u0) / 1e9);
            }
            double ddMbps = DiskBaseline.median(ddRuns);
            double ddDirectMbps = DiskBaseline.median(ddDirectRuns);
            double uploadMbps = DiskBaseline.median(uploadRuns);

            // Warm-up (JIT, connections, grid pages): concurrent, then sequential, so both measured paths are compiled.
            // On two cores C2 keeps compiling Ignite's transaction paths for a minute or more, taking a core from the
            // cluster; the measures are of the steady state, so the warm-up lasts until compiling has (nearly) stopped.
            java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
            JitWarmup.Result warm = JitWarmup.run(() -> {
                runConcurrent(jobs, noop, 1000, inFlight);
                for (int i = 0; i < 100; i++) {
                    jobs.terminal(jobs.submit(noop).join().getJobId()).join();
                }
            }, (warmupJobs + 1099) / 1100, Integer.MAX_VALUE, 0.10, Duration.ofSeconds(warmupMaxSeconds));
            System.out.printf("warm-up: %d jobs in %.0f s; JIT compiling %.0f%% of the last round's %s%n",
                    warm.rounds() * 1100, warm.seconds(), warm.lastShare() * 100, warm.ofCpu() ? "process CPU" : "time");
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            String loadBefore = loadAverage();
            long[] latencies = new long[latencyJobs];
            long c0 = os.getProcessCpuTime();
            for (int i = 0; i < latencyJobs; i++) {
                long start = System.nanoTime();
                String id = jobs.submit(noop).join().getJobId();
                jobs.terminal(id).join();
                latencies[i] = System.nanoTime() - start;
            }
            double latencyCpuMs = (os.getProcessCpuTime() - c0) / 1e6 / latencyJobs;
            Arrays.sort(latencies);
            long tx1 = ledgerTransactions(telemetry, workerLedger); // before c1: the scrape is not the cluster's CPU
            long c1 = os.getProcessCpuTime();
            long jit1 = jit.getTotalCompilationTime();
            Map<String, Long> threads0 = ThreadCpu.byGroup();
            long t0 = System.nanoTime();
            runConcurrent(jobs, noop, throughputJobs, inFlight);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double throughputCpuMs = (os.getProcessCpuTime() - c1) / 1e6 / throughputJobs;
            String cpuSplit = ThreadCpu.split(threads0, ThreadCpu.byGroup(), os.getProcessCpuTime() - c1, throughputJobs);
            double txPerJob = (ledgerTransactions(telemetry, workerLedger) - tx1) / (double) throughputJobs;
            long jitMs = jit.getTotalCompilationTime() - jit1;


            System.out.printf("load average before the measures: %s (%d CPUs)%n", loadBefore,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("no-op job submit->completed latency over %d sequential jobs: p50 %.2f ms, p99 %.2f ms"
                    + " (process CPU %.2f ms/job)%n", latencyJobs, latencies[latencyJobs / 2] / 1e6,
                    latencies[(int) (latencyJobs * 0.99)] / 1e6, latencyCpuMs);
            System.out.printf("sustained no-op throughput: %d jobs in %.2f s = %.0f jobs/s (%d in flight;"
                    + " process CPU %.2f ms/job, client included; %.2f ledger transactions/job; JIT %d ms)%n",
                    throughputJobs, seconds, throughputJobs / seconds, inFlight, throughputCpuMs, txPerJob, jitMs);
            System.out.printf("  CPU per job by thread group (µs): %s%n", cpuSplit);
            System.out.printf("upload %d MiB over gRPC to the local store (fsynced): median %.0f MiB/s of %s;"
                    + " dd of the same file (bs=1M, conv=fdatasync): median %.0f MiB/s of %s; ratio %.2f%n",
                    uploadMb, uploadMbps, DiskBaseline.rates(uploadRuns), ddMbps, DiskBaseline.rates(ddRuns), uploadMbps / ddMbps);
            System.out.printf("  dd with O_DIRECT (bs=1M, oflag=direct conv=fsync), as the store writes: median %.0f MiB/s of %s;"
                    + " ratio %.2f%n", ddDirectMbps, DiskBaseline.rates(ddDirectRuns), uploadMbps / ddDirectMbps);
        } finally {
            ignite.close();
            BenchFiles.deleteQuietly(root);
        }
        return 0;
    }

    /** Transactions of the coordinator's ledger (its exported counter) plus those of {@code worker}. */
    private static long ledgerTransactions(Telemetry telemetry, LedgerMetrics worker) {
        double coordinator = 0;
        for (io.prometheus.metrics.model.snapshots.MetricSnapshot snapshot : telemetry.registry().scrape()) {
            if (!snapshot.getMetadata().getPrometheusName().equals("framegrid_ledger_transactions")) {
                continue;
            }
            for (io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot point
                    : ((io.prometheus.metrics.model.snapshots.CounterSnapshot) snapshot).getDataPoints()) {
                coordinator += point.getValue();
            }
        }
        return (long) coordinator + worker.transactions();
    }

    private static void runConcurrent(JobsAsyncClient jobs, SubmitJobRequest request, int count, int inFlight)
            throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicLong failures = new AtomicLong();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            CompletableFuture<?> f = jobs.submit(request)
                    .thenCompose(job -> jobs.terminal(job.getJobId()))
                    .whenComplete((job, error) -> {
                        if (error != null) failures.incrementAndGet();
                        permits.release();
                    });
            all.add(f);
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).exceptionally(e -> null).join();
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " jobs failed");
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

}
