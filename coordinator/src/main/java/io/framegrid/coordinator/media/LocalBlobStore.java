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
    /** Written bytes after which a writer starts flushing them to disk in the background. */
    static final long FLUSH_EVERY_BYTES = 16L << 20;

    private final Path root;
    private final Path staging;
    /**
     * Flushes written blob data while the upload goes on. The page cache would otherwise hold a whole upload
     * dirty until the final fsync, so the disk would idle during the transfer and then the caller would wait
     * for all of it at once; flushing as we go overlaps network and disk.
     */
    private final java.util.concurrent.ExecutorService flusher = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "framegrid-blob-flush");
        t.setDaemon(true);
        return t;
    });

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

            private long unflushed;
            private java.util.concurrent.Future<?> flushing;

            @Override
            public void write(java.nio.ByteBuffer buffer) throws IOException {
                // Straight from the caller's buffer (a gRPC message's own bytes) to the file: no intermediate copy.
                while (buffer.hasRemaining()) {
                    int n = out.write(buffer);
                    size += n;
                    unflushed += n;
                }
                if (unflushed >= FLUSH_EVERY_BYTES && (flushing == null || flushing.isDone())) {
                    unflushed = 0;
                    flushing = flusher.submit(() -> {
                        out.force(false);
                        return null;
                    });
                }
            }

            @Override
            public long commit() throws IOException {
                awaitFlush();
                // The blob must be on disk before its metadata names it (and before the caller hears "done"),
                // or a power loss could leave metadata pointing at a truncated file.
                out.force(false);
                out.close();
                Files.createDirectories(target.getParent());
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done = true;
                return size;
            }

            private void awaitFlush() throws IOException {
                if (flushing == null) {
                    return;
                }
                try {
                    flushing.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("Interrupted while flushing " + key);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            }

            @Override
            public void close() {
                if (done) {
                    return;
                }
                if (flushing != null) {
                    flushing.cancel(false);
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
    public void close() {
        flusher.shutdown();
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
