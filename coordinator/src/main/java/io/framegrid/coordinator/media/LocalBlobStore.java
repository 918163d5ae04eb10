package io.framegrid.coordinator.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Blobs as files under a root directory; writes go to a temporary file moved into place atomically. */
public final class LocalBlobStore implements BlobStore {
    private final Path root;
    private final Path staging;

    public LocalBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.staging = this.root.resolve(".staging");
        try {
            Files.createDirectories(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create media directory " + root, e);
        }
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || key.startsWith(".staging")) {
            throw new IllegalArgumentException("Invalid blob key " + key);
        }
        return p;
    }

    @Override
    public BlobWriter create(String key) throws IOException {
        Path target = path(key);
        Path temp = staging.resolve(UUID.randomUUID() + ".part");
        FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new BlobWriter() {
            private long size;
            private boolean done;

            @Override
            public void write(byte[] data, int offset, int length) throws IOException {
                write(java.nio.ByteBuffer.wrap(data, offset, length));
            }

            @Override
            public void write(java.nio.ByteBuffer buffer) throws IOException {
                // Straight from the caller's buffer (a gRPC message's own bytes) to the file: no intermediate copy.
                while (buffer.hasRemaining()) {
                    size += out.write(buffer);
                }
            }

            @Override
            public long commit() throws IOException {
                // The blob must be on disk before its metadata names it (and before the caller hears "done"),
                // or a power loss could leave metadata pointing at a truncated file.
                out.force(false);
                out.close();
                Files.createDirectories(target.getParent());
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done = true;
                return size;
            }

            @Override
            public void close() {
                if (done) {
                    return;
                }
                try {
                    out.close();
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Staging leftovers are harmless.
                }
            }
        };
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(path(key), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new java.io.FileNotFoundException(key);
        }
        channel.position(offset);
        InputStream in = Channels.newInputStream(channel);
        return length < 0 ? in : new BoundedInputStream(in, length);
    }

    @Override
    public long size(String key) throws IOException {
        Path p = path(key);
        return Files.isRegularFile(p) ? Files.size(p) : -1;
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        Path dir = path(prefix);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String describe() {
        return root.toString();
    }

    /** Reads at most {@code limit} bytes of the wrapped stream. */
    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
