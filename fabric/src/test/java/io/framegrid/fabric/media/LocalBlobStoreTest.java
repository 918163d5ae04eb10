package io.framegrid.fabric.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LocalBlobStoreTest {
    @TempDir
    Path dir;

    /** Sizes around the direct writer's buffer and block boundaries, written in uneven pieces. */
    static Stream<Arguments> cases() {
        int buffer = LocalBlobStore.DIRECT_BUFFER_BYTES;
        return Stream.of(true, false).flatMap(direct -> Stream.of(0, 1, 4095, 4096, 4097, buffer - 1, buffer,
                buffer + 1, 2 * buffer, 5 * buffer + 12_345).map(size -> Arguments.of(direct, size)));
    }

    @ParameterizedTest(name = "direct {0}, {1} bytes")
    @MethodSource("cases")
    void committedBlobHoldsExactlyTheWrittenBytes(boolean direct, int size) throws IOException {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        try (LocalBlobStore store = new LocalBlobStore(dir, direct)) {
            BlobStore.BlobWriter writer = store.create("u1/blob");
            Random pieces = new Random(7);
            int at = 0;
            while (at < size) {
                int n = Math.min(size - at, 1 + pieces.nextInt(700_000));
                // Heap arrays and read-only buffers, as gRPC messages arrive.
                if (pieces.nextBoolean()) {
                    writer.write(data, at, n);
                } else {
                    ByteBuffer view = ByteBuffer.wrap(data, at, n).asReadOnlyBuffer();
                    writer.write(view);
                    assertThat(view.hasRemaining()).isFalse();
                }
                at += n;
            }
            assertThat(store.size("u1/blob")).as("invisible before commit").isEqualTo(-1);
            assertThat(writer.commit()).isEqualTo(size);
            assertThat(store.size("u1/blob")).isEqualTo(size);
            try (InputStream in = store.open("u1/blob", 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            if (size > 10) {
                try (InputStream in = store.open("u1/blob", 3, 7)) {
                    assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 3, 10));
                }
            }
        }
        assertThat(staged()).isEmpty();
    }

    @ParameterizedTest(name = "direct {0}")
    @MethodSource("writeModes")
    void closedWriterLeavesNothingAndBuffersAreReused(boolean direct) throws IOException {
        byte[] data = new byte[3 * LocalBlobStore.DIRECT_BUFFER_BYTES + 5];
        new Random(1).nextBytes(data);
        try (LocalBlobStore store = new LocalBlobStore(dir, direct)) {
            BlobStore.BlobWriter abandoned = store.create("u1/gone");
            abandoned.write(data, 0, data.length);
            abandoned.close();
            assertThat(store.size("u1/gone")).isEqualTo(-1);
            assertThat(staged()).isEmpty();

            // A writer taking the pooled buffers of the abandoned one must not see its bytes.
            byte[] other = new byte[LocalBlobStore.DIRECT_BUFFER_BYTES + 3];
            new Random(2).nextBytes(other);
            BlobStore.BlobWriter next = store.create("u1/next");
            next.write(other, 0, other.length);
            next.commit();
            try (InputStream in = store.open("u1/next", 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(other);
            }
        }
    }

    static Stream<Boolean> writeModes() {
        return Stream.of(true, false);
    }

    private java.util.List<Path> staged() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(".staging"))) {
            return files.toList();
        }
    }
}
