package io.framegrid.fabric.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunks written in place at their offsets (direct and buffered), hashed as they arrive in any order. */
class UploadHasherTest {
    @TempDir
    Path dir;

    private static final int CHUNK = 64 * 1024;

    private static byte[] data() {
        byte[] data = new byte[CHUNK * 5 + 1234];
        new Random(3).nextBytes(data);
        return data;
    }

    private static ByteString chunk(byte[] data, int i) {
        int from = i * CHUNK;
        return ByteString.copyFrom(data, from, Math.min(CHUNK, data.length - from));
    }

    private static String sha256(byte[] data) {
        return HexFormat.of().formatHex(MediaLibrary.sha256().digest(data));
    }

    private void write(BlobStore.Assembly blob, UploadHasher hasher, byte[] data, List<Integer> order)
            throws Exception {
        for (int i : order) {
            blob.write((long) i * CHUNK, chunk(data, i).asReadOnlyByteBuffer());
            hasher.received(i, chunk(data, i), blob);
        }
    }

    @Test
    void outOfOrderChunksAreHashedAndPublishedWithoutACopy() throws Exception {
        for (boolean direct : new boolean[] {true, false}) {
            byte[] data = data();
            LocalBlobStore store = new LocalBlobStore(dir.resolve("store-" + direct), direct);
            BlobStore.Assembly blob = store.assembly("uploads/u/assembly", data.length).orElseThrow();
            UploadHasher hasher = new UploadHasher(CHUNK, 6, data.length, Long.MAX_VALUE);
            write(blob, hasher, data, List.of(3, 5, 0, 1, 4, 2));
            assertThat(hasher.finish(blob)).isEqualTo(sha256(data));
            assertThat(blob.publish("media/o/m")).isEqualTo(data.length);
            try (InputStream in = store.open("media/o/m", 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            assertThat(Files.exists(dir.resolve("store-" + direct).resolve("uploads/u/assembly"))).isFalse();
        }
    }

    @Test
    void chunksMissedHereAreReadBackAndAResentChunkMakesTheHasherGiveUp() throws Exception {
        byte[] data = data();
        LocalBlobStore store = new LocalBlobStore(dir);
        BlobStore.Assembly blob = store.assembly("uploads/u/assembly", data.length).orElseThrow();
        // Chunk 0 written by another node (or before a restart): this hasher never saw it.
        blob.write(0, chunk(data, 0).asReadOnlyByteBuffer());
        UploadHasher partial = new UploadHasher(CHUNK, 6, data.length, Long.MAX_VALUE);
        write(blob, partial, data, List.of(1, 2, 3, 4, 5));
        assertThat(partial.finish(blob)).isEqualTo(sha256(data));

        UploadHasher resent = new UploadHasher(CHUNK, 6, data.length, Long.MAX_VALUE);
        write(blob, resent, data, List.of(0, 1, 2, 1, 3, 4, 5));
        assertThat(resent.finish(blob)).isNull();
    }
}
