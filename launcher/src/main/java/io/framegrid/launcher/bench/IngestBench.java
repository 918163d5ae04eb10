package io.framegrid.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.coordinator.CoordinatorServer;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.gateway.GatewayServer;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ignite.Ignite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench ingest}: a large upload through surface B's chunked-upload route (init, chunks sent over
 * several HTTP connections at once, complete) on a private standalone cluster (grid node with persistence,
 * coordinator, gateway), against {@code dd conv=fdatasync} of the same bytes on the same disk, alternating; the
 * single gRPC stream upload of the same file is measured in the same rounds.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Chunked upload through B's route, parallel chunk streams, against dd on the same disk")
public final class IngestBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--size-mb", defaultValue = "1024") int sizeMb;
    @Option(names = "--chunk-mb", defaultValue = "16", description = "Chunk size (the route's largest is 16 MiB)")
    int chunkMb;
    @Option(names = "--streams", defaultValue = "4", description = "Chunk requests in flight at once") int streams;
    @Option(names = "--rounds", defaultValue = "3", description = "dd and the uploads alternate this many times")
    int rounds;
    @Option(names = "--dir", description = "Scratch directory (default: a temp dir)") Path dir;
    @Option(names = "--warmup-max", defaultValue = "4", description = "Most unmeasured chunked uploads before the"
            + " rounds: they stop once JIT compiling takes under 10 % of an upload's time") int warmupMax;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String base;
    private String token;

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("framegrid-bench");
        FramegridConfig config = FramegridConfig.from(IsolatedSettings.freeGatewayPorts(
                        IsolatedSettings.builder(root.resolve("data"), "bench-" + UUID.randomUUID()))
                .set("grid.durable-region.max-size-mb", 256)
                .set("identity.admin.password", "BenchAdmin123")
                .set("metrics.enabled", false)
                .set("gateway.host", "127.0.0.1")
                .set("media.max-size-mb.free", Math.max(500, 2 * sizeMb))
                // One user sending far more chunk requests than the tier's per-minute allowance.
                .set("gateway.studio.requests-per-minute.free", 1_000_000)
                .set("gateway.auth-rate-limit.per-minute", 10_000)
                .build());
        Telemetry telemetry = new Telemetry(new PrometheusRegistry());
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(config.grid().backups()))
                .startServer("standalone", java.util.Map.of());
        List<String> lines = new ArrayList<>();
        try (CoordinatorServer coordinator = new CoordinatorServer(ignite, config, telemetry, Clock.systemUTC()).start();
             FramegridClient client = FramegridClient.builder("127.0.0.1:" + coordinator.port()).build();
             GatewayServer gateway = new GatewayServer(config.gateway(), telemetry, client, false,
                     Clock.systemUTC()).start()) {
            base = "http://127.0.0.1:" + gateway.port("studio");
            client.identity().register(RegisterRequest.newBuilder().setEmail("bench@example.com").setUsername("bench")
                    .setPassword("BenchPass123").build());
            token = client.identity().login("bench", "BenchPass123").getAccessToken();
            FramegridClient user = client.withBearerToken(token);

            Path source = root.resolve("upload.bin");
            DiskBaseline.writeRandom(source, sizeMb);
            // Unmeasured: JIT, connections, buffers. A long-running gateway is measured in its steady state: on two
            // cores C2 compiling the HTTP, multipart, gRPC and grid paths otherwise takes a quarter of the CPU during
            // the first measured rounds, so chunked warm-ups repeat until compiling is under 10 % of one's process CPU.
            JitWarmup.Result warm = JitWarmup.run(() -> user.media().delete(chunked(source).mediaId()), 1,
                    Math.max(1, warmupMax), 0.10, Duration.ofDays(1));
            user.media().delete(user.media().upload(source, "application/octet-stream").getMediaId());

            double[] dd = new double[rounds];
            double[] chunked = new double[rounds];
            double[] chunksOnly = new double[rounds];
            double[] completeSeconds = new double[rounds];
            double[] grpc = new double[rounds];
            double[] chunkCpu = new double[rounds];
            String chunkCpuSplit = "";
            for (int round = 0; round < rounds; round++) {
                dd[round] = DiskBaseline.dd(source, root.resolve("dd.bin"), sizeMb, "conv=fdatasync");
                Upload u = chunked(source);
                chunked[round] = sizeMb / u.seconds();
                chunksOnly[round] = sizeMb / u.chunkSeconds();
                completeSeconds[round] = u.seconds() - u.chunkSeconds();
                chunkCpu[round] = u.chunkCpuSeconds() * 1024.0 / sizeMb;
                chunkCpuSplit = u.cpuSplit();
                user.media().delete(u.mediaId());
                long g0 = System.nanoTime();
                Media media = user.media().upload(source, "application/octet-stream");
                grpc[round] = media.getSize() / 1048576.0 / ((System.nanoTime() - g0) / 1e9);
                user.media().delete(media.getMediaId());
            }
            double ddMbps = DiskBaseline.median(dd);
            lines.add(String.format("load average: %s (%d CPUs)", Files.readString(Path.of("/proc/loadavg")).trim(),
                    Runtime.getRuntime().availableProcessors()));
            lines.add(String.format("chunked upload %d MiB through B's route (%d MiB chunks, %d streams, fsynced,"
                            + " sha256 checked): median %.0f MiB/s of %s; dd of the same file (bs=1M, conv=fdatasync):"
                            + " median %.0f MiB/s of %s; ratio %.2f (target >= 0.8)", sizeMb, chunkMb, streams,
                    DiskBaseline.median(chunked), DiskBaseline.rates(chunked), ddMbps, DiskBaseline.rates(dd),
                    DiskBaseline.median(chunked) / ddMbps));
            lines.add(String.format("  chunks alone: median %.0f MiB/s of %s; complete (assemble, sha256): median"
                            + " %.2f s", DiskBaseline.median(chunksOnly), DiskBaseline.rates(chunksOnly),
                    DiskBaseline.median(completeSeconds)));
            lines.add(String.format("single gRPC stream upload %d MiB (fsynced): median %.0f MiB/s of %s; ratio %.2f",
                    sizeMb, DiskBaseline.median(grpc), DiskBaseline.rates(grpc), DiskBaseline.median(grpc) / ddMbps));
            // Process CPU is what other processes' load does not inflate much: compare code by it on a busy machine.
            lines.add(String.format("  warm-up: %d chunked uploads; JIT compiling %.0f%% of the last one's %s",
                    warm.rounds(), warm.lastShare() * 100, warm.ofCpu() ? "process CPU" : "time"));
            lines.add(String.format("  chunks phase process CPU (all threads, the HTTP client included): median %.2f"
                            + " s per GiB of %s; last round by thread group, ms per GiB: %s",
                    DiskBaseline.median(chunkCpu), java.util.Arrays.toString(java.util.Arrays.stream(chunkCpu)
                            .map(c -> Math.round(c * 100) / 100.0).toArray()), chunkCpuSplit));
        } finally {
            ignite.close();
            BenchFiles.deleteQuietly(root);
        }
        lines.forEach(System.out::println);
        return 0;
    }

    private record Upload(String mediaId, double seconds, double chunkSeconds, double chunkCpuSeconds,
                          String cpuSplit) {}

    private static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** init, every chunk over {@code streams} connections at once (each takes the next index), complete. */
    private Upload chunked(Path source) throws Exception {
        long size = Files.size(source);
        int chunkSize = chunkMb << 20;
        int count = (int) ((size + chunkSize - 1) / chunkSize);
        java.util.Map<String, Long> threads0 = ThreadCpu.byGroup();
        long c0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        JsonNode init = post("/api/v1/chunked-upload/init", "application/json", HttpRequest.BodyPublishers.ofString(
                "{\"filename\":\"upload.bin\",\"total_size\":" + size + ",\"chunk_size\":" + chunkSize + "}"));
        String uploadId = init.get("upload_id").asText();
        AtomicInteger next = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(streams);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                sent.add(senders.submit(() -> {
                    byte[] buffer = new byte[chunkSize];
                    try (RandomAccessFile in = new RandomAccessFile(source.toFile(), "r")) {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            int length = (int) Math.min(chunkSize, size - (long) i * chunkSize);
                            in.seek((long) i * chunkSize);
                            in.readFully(buffer, 0, length);
                            chunk(uploadId, i, buffer, length);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            senders.shutdown();
        }
        long t1 = System.nanoTime();
        long cpu = OS.getProcessCpuTime() - c0;
        // ThreadCpu reports microseconds per "job": 1,000 jobs per GiB make it milliseconds per GiB.
        String split = ThreadCpu.split(threads0, ThreadCpu.byGroup(), cpu, (int) Math.max(1, Math.round(size * 1000.0
                / (1L << 30))));
        JsonNode done = post("/api/v1/chunked-upload/complete/" + uploadId, "application/json",
                HttpRequest.BodyPublishers.ofString("{}"));
        long t2 = System.nanoTime();
        if (done.get("file_size").asLong() != size) {
            throw new IllegalStateException("chunked upload stored " + done);
        }
        return new Upload(done.get("file_id").asText(), (t2 - t0) / 1e9, (t1 - t0) / 1e9, cpu / 1e9, split);
    }

    private void chunk(String uploadId, int index, byte[] data, int length) throws Exception {
        String boundary = "bench" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"chunk_index\"\r\n\r\n" + index
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"c\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        post("/api/v1/chunked-upload/chunk/" + uploadId, "multipart/form-data; boundary=" + boundary,
                HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofByteArray(data, 0, length),
                        HttpRequest.BodyPublishers.ofByteArray(tail)));
    }

    private JsonNode post(String path, String contentType, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", contentType)
                .header("Authorization", "Bearer " + token).POST(body).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
