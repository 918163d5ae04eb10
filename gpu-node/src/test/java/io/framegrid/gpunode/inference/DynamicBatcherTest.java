package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.models.ModelRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import java.util.concurrent.RejectedExecutionException;
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
                    awaitRelease(release);
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

    /** A lone caller's batches are not contended; once requests overlap (queued during a run), they are. */
    @Test
    void tellsTheHandlerWhetherRequestsOverlap() throws Exception {
        List<Boolean> contended = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        try (DynamicBatcher<Integer, Integer> batcher = new DynamicBatcher<Integer, Integer>("flag",
                new BatchSettings(4, Duration.ZERO, 64), (items, overlap) -> {
                    contended.add(overlap);
                    if (items.get(0) == 2) {
                        awaitRelease(release);
                    }
                    return items;
                }, new BatchingMetrics(new PrometheusRegistry()))) {
            // One at a time, each awaited before the next: a lone caller.
            batcher.submit(0).get();
            batcher.submit(1).get();
            // The next one is queued while request 2 runs: callers overlap from here on.
            CompletableFuture<BatchResult<Integer>> running = batcher.submit(2);
            await().until(() -> contended.size() == 3);
            CompletableFuture<BatchResult<Integer>> queued = batcher.submit(3);
            release.countDown();
            running.get();
            queued.get();

            assertThat(contended).containsExactly(false, false, false, true);
        }
    }

    @Test
    void batcherRefusesARequestBeyondItsQueue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (DynamicBatcher<Integer, Integer> batcher = new DynamicBatcher<>("slow",
                new BatchSettings(1, Duration.ZERO, 1), items -> {
                    awaitRelease(release);
                    return items;
                }, new BatchingMetrics(new PrometheusRegistry()))) {
            CompletableFuture<BatchResult<Integer>> running = batcher.submit(1);
            // Once the worker holds the first request, one more fits in the queue and the next is refused.
            CompletableFuture<BatchResult<Integer>> refused = await().atMost(Duration.ofSeconds(10))
                    .until(() -> batcher.submit(2), CompletableFuture::isCompletedExceptionally);

            assertThatThrownBy(refused::join).cause().isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("queue for slow is full");
            release.countDown();
            assertThat(running.get().value()).isEqualTo(1);
        }
    }

    /** A full queue, as a caller of the node's InferenceService sees it: RESOURCE_EXHAUSTED, saying why. */
    @Test
    void rejectsWhenQueueIsFull() throws Exception {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        try (InferenceEngine engine = new InferenceEngine(registry, new DetectorFactory(registry,
                new CpuFrameKernels()), new BatchSettings(1, Duration.ZERO, 1),
                new BatchingMetrics(new PrometheusRegistry()))) {
            Mat dog = opencv_imgcodecs.imread(SharedFiles.media("images/dog.jpg").toString());
            engine.detect("yolox-nano", dog, 0.3f, Set.of()).get(); // load the model first
            List<CompletableFuture<DetectionResult>> sent = new ArrayList<>();
            // One request runs, one waits, the next is refused at once: a round of four overruns the queue
            // unless the model answers faster than requests are queued.
            CompletableFuture<DetectionResult> refused = await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (int i = 0; i < 4; i++) {
                    sent.add(engine.detect("yolox-nano", dog, 0.3f, Set.of()));
                }
                return sent.stream().filter(CompletableFuture::isCompletedExceptionally).findFirst().orElse(null);
            }, java.util.Objects::nonNull);
            Throwable error = catchThrowable(refused::join);

            StatusRuntimeException status = InferenceGrpcService.toStatus(error);

            assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getStatus().getDescription()).contains("queue for yolox-nano is full");
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).exceptionally(e -> null).join();
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

    /** Holds a batch's run until the test releases it. */
    private static void awaitRelease(CountDownLatch release) {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
