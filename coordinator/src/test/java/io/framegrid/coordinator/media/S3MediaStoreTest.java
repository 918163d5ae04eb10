package io.framegrid.coordinator.media;

import io.framegrid.fabric.media.BlobStore;
import static io.framegrid.coordinator.media.MediaScenarios.newUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.config.local.LocalPorts;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The media service on the S3 backend, against a real S3-compatible server (Adobe S3Mock) in its own process. */
class S3MediaStoreTest {
    static final S3MockProcess s3 = S3MockProcess.start();

    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(
            "media.store", "s3",
            "media.s3.endpoint", s3.endpoint(),
            "media.s3.bucket", "framegrid-test",
            "media.s3.access-key", "test",
            "media.s3.secret-key", "test"));

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void streamedUploadAndRangedDownload() {
        MediaScenarios.streamedUploadAndRangedDownload(newUser(cluster));
    }

    @Test
    void chunkedUploadTakesShuffledAndDuplicatedChunksAndResumes() {
        MediaScenarios.chunkedUploadWithShuffledDuplicatedChunksAndResume(newUser(cluster));
    }

    @Test
    void checksumMismatchIsRejectedAtCompletion() {
        MediaScenarios.checksumMismatchIsRejected(newUser(cluster));
    }

    @Test
    void blobsReallyLiveInTheBucket() throws IOException {
        BlobStore store = cluster.server().mediaLibrary().store();
        assertThat(store.describe()).contains("framegrid-test");
        try (BlobStore.BlobWriter w = store.create("probe/one")) {
            w.write("hello s3".getBytes(), 0, 8);
            w.commit();
        }
        assertThat(store.size("probe/one")).isEqualTo(8);
        try (InputStream in = store.open("probe/one", 6, 2)) {
            assertThat(new String(in.readAllBytes())).isEqualTo("s3");
        }
        store.deletePrefix("probe/");
        assertThat(store.size("probe/one")).isEqualTo(-1);
    }

    /** {@code java -jar s3mock.jar} on free ports, as Maven copied it to target/s3mock. */
    static final class S3MockProcess implements AutoCloseable {
        private final Process process;
        private final int port;
        private final Path root;

        private S3MockProcess(Process process, int port, Path root) {
            this.process = process;
            this.port = port;
            this.root = root;
        }

        static S3MockProcess start() {
            Path jar = Path.of("target", "s3mock", "s3mock.jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar.toAbsolutePath() + " missing: run through Maven (process-test-resources)");
            }
            int port = LocalPorts.free();
            try {
                Path root = Files.createTempDirectory("framegrid-s3mock");
                Path log = root.resolve("s3mock.log");
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toAbsolutePath().toString(),
                        "--http.port=" + port, "--server.port=" + LocalPorts.free(),
                        "--com.adobe.testing.s3mock.store.root=" + root.resolve("data"),
                        "--spring.main.banner-mode=off", "--logging.level.root=WARN")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                S3MockProcess s3 = new S3MockProcess(p, port, root);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("s3mock exited: " + Files.readString(log));
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
                return s3;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String endpoint() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor();
                CoordinatorExtension.deleteRecursively(root);
            } catch (InterruptedException | IOException e) {
                process.destroyForcibly();
            }
        }
    }
}
