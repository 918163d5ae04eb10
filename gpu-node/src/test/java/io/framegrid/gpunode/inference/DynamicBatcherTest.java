package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.models.ModelRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {

    @Test
    void groupsConcurrentRequestsUpToMaxBatchSize() throws Exception {
        PrometheusRegistry prometheus = new PrometheusRegistry();
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        // The first dispatch blocks until all requests are queued, so the rest must group into full batches.
        try (DynamicBatcher<Integer, Integer> batcher = new DynamicBatcher<>("echo",
                new BatchSettings(4, Duration.ofMillis(50), 64), items -> {
                    sizes.add(items.size());
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return items.stream().map(i -> i * 2).toList();
                }, new BatchingMetrics(prometheus))) {
            CompletableFuture<BatchResult<Integer>> first = batcher.submit(0);
            await().until(() -> sizes.size() == 1);
            List<CompletableFuture<BatchResult<Integer>>> rest = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                rest.add(batcher.submit(i));
            }
            release.countDown();
            assertThat(first.get().value()).isZero();
            for (int i = 0; i < 8; i++) {
                BatchResult<Integer> r = rest.get(i).get();
                assertThat(r.value()).isEqualTo((i + 1) * 2);
                assertThat(r.batchSize()).isEqualTo(4);
            }
            assertThat(sizes).containsExactly(1, 4, 4);
        }
        HistogramSnapshot batchSizes = (HistogramSnapshot) prometheus.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("framegrid_inference_batch_size")).findFirst()
                .orElseThrow();
        assertThat(batchSizes.getDataPoints().get(0).getCount()).isEqualTo(3);
        assertThat(batchSizes.getDataPoints().get(0).getSum()).isEqualTo(9);
    }

    @Test
    void rejectsWhenQueueIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (DynamicBatcher<Integer, Integer> batcher = new DynamicBatcher<>("slow",
                new BatchSettings(1, Duration.ZERO, 1), items -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return items;
                }, new BatchingMetrics(new PrometheusRegistry()))) {
            CompletableFuture<BatchResult<Integer>> running = batcher.submit(1);
            await().until(() -> {
                // once the worker holds the first request, one more fits in the queue and the next is refused
                CompletableFuture<BatchResult<Integer>> probe = batcher.submit(2);
                return probe.isCompletedExceptionally() || false;
            });
            release.countDown();
            assertThat(running.get().value()).isEqualTo(1);
        }
    }

    @Test
    void engineBatchesConcurrentYoloxRequests() throws Exception {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        try (InferenceEngine engine = new InferenceEngine(registry, new DetectorFactory(registry,
                new CpuFrameKernels()), new BatchSettings(8, Duration.ofMillis(20), 64),
                new BatchingMetrics(new PrometheusRegistry()))) {
            Mat dog = opencv_imgcodecs.imread(SharedFiles.media("images/dog.jpg").toString());
            engine.detect("yolox-nano", dog, 0.3f, Set.of()).get(); // load the model first
            ExecutorService clients = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            List<java.util.concurrent.Future<DetectionResult>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(clients.submit(() -> {
                    start.await();
                    return engine.detect("yolox-nano", dog, 0.3f, Set.of("dog")).get();
                }));
            }
            start.countDown();
            int maxBatch = 0;
            for (var f : results) {
                DetectionResult r = f.get();
                assertThat(r.detections()).extracting(Detection::className).containsOnly("dog");
                maxBatch = Math.max(maxBatch, r.batchSize());
            }
            clients.shutdown();
            assertThat(maxBatch).isGreaterThan(1);
        }
    }
}
