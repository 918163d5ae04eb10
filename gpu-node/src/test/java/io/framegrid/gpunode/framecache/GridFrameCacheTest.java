package io.framegrid.gpunode.framecache;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.testing.GridExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A private server node with the default 64 MiB cache region, and a client node using the frame cache. */
class GridFrameCacheTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of("grid.cache-region.max-size-mb", 64));

    private static Ignite server;
    private static Ignite client;

    @BeforeAll
    static void joinClient() throws Exception {
        server = grid.ignite();
        client = grid.joinClient("gpu-node");
    }

    private static FramePixels frame(int seed, int bytes) {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        return new FramePixels(1, bytes, 0, data);
    }

    private static double counter(PrometheusRegistry registry, String name, String level, String result) {
        for (var snapshot : registry.scrape().stream().toList()) {
            if (snapshot instanceof CounterSnapshot c && c.getMetadata().getName().equals(name)) {
                return c.getDataPoints().stream()
                        .filter(d -> level == null || (d.getLabels().get("level").equals(level)
                                && d.getLabels().get("result").equals(result)))
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
            }
        }
        return 0;
    }

    @Test
    void framesAreSharedBetweenNodesAndDecodedOnce() {
        PrometheusRegistry registryA = new PrometheusRegistry();
        PrometheusRegistry registryB = new PrometheusRegistry();
        GridFrameCache nodeA = new GridFrameCache(client, 16L << 20, registryA);
        GridFrameCache nodeB = new GridFrameCache(server, 16L << 20, registryB);
        FrameKey key = new FrameKey("media-" + UUID.randomUUID(), 7, "bgr");
        FramePixels pixels = frame(1, 600_000);
        assertThat(nodeA.get(key)).isEmpty();
        nodeA.put(key, pixels);
        assertThat(nodeA.get(key)).containsSame(pixels);
        Optional<FramePixels> fromGrid = nodeB.get(key);
        assertThat(fromGrid).isPresent();
        assertThat(fromGrid.get().data()).isEqualTo(pixels.data());
        assertThat(nodeB.get(key)).containsSame(fromGrid.get());
        assertThat(counter(registryA, "framegrid_frame_cache_requests", "near", "hit")).isEqualTo(1);
        assertThat(counter(registryA, "framegrid_frame_cache_requests", "grid", "miss")).isEqualTo(1);
        assertThat(counter(registryB, "framegrid_frame_cache_requests", "grid", "hit")).isEqualTo(1);
        assertThat(counter(registryB, "framegrid_frame_cache_requests", "near", "hit")).isEqualTo(1);

        Mat bgr = new Mat(48, 64, opencv_core.CV_8UC3, new Scalar(10, 20, 30, 0));
        nodeA.put("clip", 3, bgr);
        Mat back = nodeB.get("clip", 3).orElseThrow();
        assertThat(back.rows()).isEqualTo(48);
        assertThat(back.cols()).isEqualTo(64);
        assertThat(back.type()).isEqualTo(opencv_core.CV_8UC3);
        byte[] px = new byte[3];
        back.ptr(47, 63).get(px);
        assertThat(px).containsExactly(10, 20, 30);
    }

    @Test
    void burstsOfLargeFramesFromSeveralTasksNeverStopTheNode() throws Exception {
        GridFrameCache cache = new GridFrameCache(client, 8L << 20, new PrometheusRegistry());
        String media = "burst-" + UUID.randomUUID();
        // Four tasks writing 768x576 BGR frames (1.3 MB) at once, 4 x 150 frames = 780 MB through a 64 MB region:
        // a region out of pages is a critical failure that would stop the server node.
        java.util.concurrent.ExecutorService tasks = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int task = t;
            done.add(tasks.submit(() -> {
                FramePixels pixels = frame(task, 768 * 576 * 3);
                for (int i = 0; i < 150; i++) {
                    cache.put(new FrameKey(media, task * 1000 + i, "bgr"), pixels);
                }
            }));
        }
        for (java.util.concurrent.Future<?> f : done) {
            f.get();
        }
        tasks.shutdown();
        assertThat(server.cluster().localNode().isClient()).isFalse();
        assertThat(server.cluster().nodes()).hasSize(2);
        assertThat(cache.gridEntries() * GridFrameCache.PART_BYTES).isLessThanOrEqualTo(64L << 20);
    }

    @Test
    void theGridCacheStaysUnderItsCapByEvictingOldFrames() {
        PrometheusRegistry registry = new PrometheusRegistry();
        GridFrameCache cache = new GridFrameCache(client, 8L << 20, registry);
        String media = "evict-" + UUID.randomUUID();
        int frames = 640;
        int frameBytes = 300_000;
        // 640 x 300 KB = 192 MB through a 64 MB region.
        for (int i = 0; i < frames; i++) {
            cache.put(new FrameKey(media, i, "bgr"), frame(i, frameBytes));
        }
        // Each 300 KB frame is two grid entries (256 KB + 44 KB): what is left must fit the 64 MiB region.
        long parts = cache.gridEntries();
        assertThat(parts).isPositive().isLessThan(2L * frames);
        assertThat(parts / 2 * frameBytes).isLessThanOrEqualTo(64L << 20);
        assertThat(cache.nearWeight()).isLessThanOrEqualTo(8L << 20);
        assertThat(cache.nearEvictions()).isPositive();
        assertThat(counter(registry, "framegrid_frame_cache_evictions", null, null)).isPositive();

        // The newest frame is still cached; the very first ones were evicted from both levels.
        assertThat(cache.get(new FrameKey(media, frames - 1, "bgr"))).isPresent();
        GridFrameCache fresh = new GridFrameCache(client, 8L << 20, new PrometheusRegistry());
        long evicted = 0;
        for (int i = 0; i < 20; i++) {
            if (fresh.get(new FrameKey(media, i, "bgr")).isEmpty()) {
                evicted++;
            }
        }
        assertThat(evicted).isPositive();
        // Whatever survives is intact.
        for (int i = frames - 10; i < frames; i++) {
            fresh.get(new FrameKey(media, i, "bgr"))
                    .ifPresent(p -> assertThat(p.data()).hasSize(frameBytes));
        }
    }
}
