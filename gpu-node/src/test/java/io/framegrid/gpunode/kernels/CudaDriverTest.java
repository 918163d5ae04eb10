package io.framegrid.gpunode.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Finding the CUDA driver without JCuda, and what a node without one logs. */
class CudaDriverTest {
    @TempDir
    Path dir;

    @Test
    void theDriverIsFoundInALibraryDirectoryOrTheLinkersCache() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path cache = dir.resolve("ld.so.cache");
        Files.write(cache, "glibc-ld.so.cache1.1 libc.so.6 /lib/x86_64-linux-gnu/libc.so.6".getBytes());
        assertThat(CudaDriver.missing(List.of(lib), cache)).contains("no libcuda.so.1");
        assertThat(CudaDriver.missing(List.of(lib), dir.resolve("absent"))).contains("no libcuda.so.1");

        Files.write(cache, "libcuda.so.1 /usr/lib/x86_64-linux-gnu/libcuda.so.1".getBytes());
        assertThat(CudaDriver.missing(List.of(lib), cache)).isEmpty();
        Files.createFile(lib.resolve("libcuda.so.1"));
        assertThat(CudaDriver.missing(List.of(lib), dir.resolve("absent"))).isEmpty();
    }

    @Test
    void jcudasManyLinedErrorsAreBriefedToTheirFirstLine() {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver\"\n"
                + "Stack trace from the attempt to load the library as a file:\n\tat java.base/...\n".repeat(10));
        assertThat(CudaDriver.brief(error)).isEqualTo("Error while loading native library \"JCudaDriver\"");
        assertThat(CudaDriver.brief(new NoClassDefFoundError())).isEqualTo("NoClassDefFoundError");
    }

    @Test
    void aNodeWithoutTheDriverLogsOneShortLineAndNothingOnStderr() {
        assumeTrue(CudaDriver.missing().isPresent(), "this machine has a CUDA driver");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        PrintStream stderr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(NodeCapabilities.probe().gpuPresent()).isFalse();
            ComputeDevice device = ComputeDevice.detect(true);
            assertThat(device.cudaAvailable()).isFalse();
        } finally {
            System.setErr(stderr);
            root.detachAppender(logs);
        }
        List<ILoggingEvent> info = logs.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .filter(e -> e.getLoggerName().startsWith("io.framegrid.gpunode")).toList();
        assertThat(info).hasSize(1);
        assertThat(info.get(0).getFormattedMessage()).endsWith(": kernels run on the CPU twins")
                .doesNotContain("\n").hasSizeLessThan(120);
        assertThat(info.get(0).getThrowableProxy()).isNull();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
