package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.models.ModelRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Closing the engine while text detections are in flight, on every path that reaches the PaddleOCR sessions (the
 * staged batcher with its split CPU batches on the detector's workers, and direct multi-image calls): no native
 * crash (a session freed under {@code OrtSession.run} killed a test JVM with a SIGSEGV), and every caller's future
 * completes, with a result or an exception that says the engine or detector closed.
 */
class TextDetectorCloseTest {

    private static final String MODEL = "paddleocr-db-text";
    private static final int STAGED_CALLERS = 24;
    private static final int DIRECT_CALLERS = 4;

    @RepeatedTest(2)
    void closingWhileDetectionsRunCompletesEveryCallerWithoutCrashing() throws Exception {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        InferenceEngine engine = new InferenceEngine(registry, new DetectorFactory(registry, new CpuFrameKernels()),
                new BatchSettings(8, Duration.ofMillis(20), 256), new BatchingMetrics(new PrometheusRegistry()));
        Mat image = opencv_imgcodecs.imread(SharedFiles.media("images/dog.jpg").toString());
        // Loaded and warmed before the race, so the close meets model runs rather than a session still loading.
        engine.detect(MODEL, image, 0.6f, Set.of()).get(60, TimeUnit.SECONDS);

        ExecutorService callers = Executors.newFixedThreadPool(DIRECT_CALLERS + 1);
        AtomicInteger submitted = new AtomicInteger();
        List<CompletableFuture<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < STAGED_CALLERS; i++) {
                futures.add(engine.detect(MODEL, image, 0.6f, Set.of()));
                submitted.incrementAndGet();
            }
            Detector direct = engine.detector(MODEL);
            for (int i = 0; i < DIRECT_CALLERS; i++) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    submitted.incrementAndGet();
                    // Eight images of one size: one bucket split across the cores on the detector's workers.
                    return direct.detect(List.of(image, image, image, image, image, image, image, image), 0.6f);
                }, callers));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> submitted.get() == STAGED_CALLERS + DIRECT_CALLERS);
            // Most of this work is still queued or running (seconds of CPU on a small machine): the close meets it.
            assertThat(futures).anyMatch(f -> !f.isDone());

            CompletableFuture.runAsync(engine::close).get(150, TimeUnit.SECONDS);

            for (CompletableFuture<?> f : futures) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(messages(e.getCause())).as("why a caller failed at close")
                            .containsPattern("(?i)closed|interrupted");
                }
            }
            assertThatThrownBy(() -> engine.detect(MODEL, image, 0.6f, Set.of()))
                    .isInstanceOfSatisfying(InferenceException.class,
                            e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.CLOSED));
            assertThatThrownBy(() -> direct.detect(List.of(image), 0.6f)).hasMessageContaining("closed");
        } finally {
            callers.shutdownNow();
            engine.close();
        }
    }

    private static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            all.append(t).append(" | ");
        }
        return all.toString();
    }
}
