package io.framegrid.fabric.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.proto.media.v1.Media;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MediaLibrary#storeNew}: a new file's blob, size and SHA-256 recorded together, or nothing at all. */
class MediaLibraryStoreTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension();

    private static Path blobs;
    private static MediaLibrary media;

    @BeforeAll
    static void library() throws IOException {
        blobs = grid.tempDir("framegrid-media-store");
        media = new MediaLibrary(grid.ignite(), new LocalBlobStore(blobs), grid.config().media(), Clock.systemUTC());
    }

    @Test
    void theBlobAndItsRecordAgreeOnContentSizeAndHash() throws Exception {
        byte[] data = new byte[(3 << 16) + 12_345];
        new Random(7).nextBytes(data);
        AtomicBoolean closed = new AtomicBoolean();
        InputStream in = new ByteArrayInputStream(data) {
            @Override
            public void close() {
                closed.set(true);
            }
        };

        Media m = media.storeNew("owner-a", "out.mp4", "video/mp4", in, Map.of("job_id", "j1"));

        assertThat(m.getOwnerId()).isEqualTo("owner-a");
        assertThat(m.getSize()).isEqualTo(data.length);
        assertThat(m.getSha256()).isEqualTo(HexFormat.of().formatHex(MediaLibrary.sha256().digest(data)));
        assertThat(m.getMetadataMap()).containsEntry("job_id", "j1");
        assertThat(media.get(m.getMediaId())).contains(m);
        try (InputStream stored = media.store().open(m.getStorageKey(), 0, -1)) {
            assertThat(stored.readAllBytes()).isEqualTo(data);
        }
        assertThat(closed).isTrue();
    }

    @Test
    void aSourceFailingPartWayLeavesNoBlobAndNoRecord() throws Exception {
        int before = media.list("owner-b").size();
        InputStream failing = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                if (served++ > 100_000) {
                    throw new IOException("source gone");
                }
                return 1;
            }
        };

        assertThatThrownBy(() -> media.storeNew("owner-b", "x.bin", "", failing, Map.of()))
                .isInstanceOf(IOException.class).hasMessage("source gone");

        assertThat(media.list("owner-b")).hasSize(before);
        try (var left = java.nio.file.Files.walk(blobs)) {
            assertThat(left.filter(java.nio.file.Files::isRegularFile)).isEmpty();
        }
    }
}
