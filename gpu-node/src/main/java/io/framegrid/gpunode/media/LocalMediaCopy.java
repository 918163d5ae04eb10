package io.framegrid.gpunode.media;

import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.media.v1.Media;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One media blob copied from the store to a local temporary file for one task: FFmpeg seeks and probes, which a
 * store stream cannot. Closing deletes the file; a copy that fails half-way deletes what it wrote. (Tasks of one job
 * that read the same video several times share a copy through the reframer's {@code LocalVideos} instead.)
 */
public final class LocalMediaCopy implements AutoCloseable {
    private final Path file;

    private LocalMediaCopy(Path file) {
        this.file = file;
    }

    /** Copies {@code media}'s bytes into a new file named {@code prefix…suffix} in the temporary folder. */
    public static LocalMediaCopy of(MediaLibrary library, Media media, String prefix, String suffix)
            throws IOException {
        Path file = Files.createTempFile(prefix, suffix);
        try (InputStream in = library.store().open(media.getStorageKey(), 0, -1);
                OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new LocalMediaCopy(file);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
