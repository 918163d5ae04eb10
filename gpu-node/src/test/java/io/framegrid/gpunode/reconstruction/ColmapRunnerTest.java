package io.framegrid.gpunode.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** COLMAP's progress lines, and a cancel that takes the whole process tree down (a shell with children stands in). */
class ColmapRunnerTest {
    @Test
    void progressComesFromColmapsOwnLines() {
        assertThat(ColmapRunner.fraction("Processed file [3/8]")).isEqualTo(3 / 8.0);
        assertThat(ColmapRunner.fraction("Matching block [1/2, 1/2] in 5.736s")).isEqualTo(0.25);
        assertThat(ColmapRunner.fraction("Matching block [2/2, 2/2] in 1s")).isEqualTo(1.0);
        assertThat(ColmapRunner.fraction("Matching image [4/10] in 0.2s")).isEqualTo(0.4);
        assertThat(ColmapRunner.fraction("Elapsed time: 0.096 [minutes]")).isEqualTo(-1);
        assertThat(ColmapRunner.registered("Registering image #7 (3)")).isEqualTo(3);
        assertThat(ColmapRunner.registered("Bundle adjustment report")).isEqualTo(-1);
    }

    @Test
    void outputIsStreamedLineByLineAndTheExitCodeKept() throws Exception {
        Path ws = Files.createTempDirectory("colmap-runner");
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Double> progress = new CopyOnWriteArrayList<>();
        ColmapRunner.Outcome out = new ColmapRunner("bash").run(ws, "-c",
                List.of("echo 'Processed file [1/2]'; echo '=========='; echo; echo 'Processed file [2/2]'; exit 3"),
                lines::add, progress::add, () -> false);
        assertThat(out.exitCode()).isEqualTo(3);
        assertThat(lines).containsExactly("Processed file [1/2]", "Processed file [2/2]");
        assertThat(progress).containsExactly(0.5, 1.0);
        StageFiles.deleteRecursively(ws);
    }

    @Test
    void cancelKillsTheProcessAndItsChildrenWithinASecond() throws Exception {
        Path ws = Files.createTempDirectory("colmap-runner");
        AtomicBoolean cancelled = new AtomicBoolean();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                new ColmapRunner("bash").run(ws, "-c", List.of("sleep 60 & sleep 60 & echo started; wait"),
                        lines::add, f -> { }, cancelled::get);
            } catch (CancellationException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("started"));
        assertThat(sleeps()).isEqualTo(2);
        cancelled.set(true);
        await().atMost(Duration.ofSeconds(1)).until(() -> sleeps() == 0);
        assertThatThrownBy(run::join).hasCauseInstanceOf(CancellationException.class);
        StageFiles.deleteRecursively(ws);
    }

    private static long sleeps() {
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("sleep")).orElse(false)).count();
    }
}
