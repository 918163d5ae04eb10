package io.framegrid.fabric.media;

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
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LocalBlobStore.class);
    /** Written bytes after which a writer starts flushing them to disk in the background. */
    static final long FLUSH_EVERY_BYTES = 16L << 20;
    /** Size of each of a direct writer's two aligned buffers. */
    static final int DIRECT_BUFFER_BYTES = 2 << 20;
    /** Aligned buffers kept for reuse once their writer is done (direct memory is slow to allocate and free). */
    private static final int POOLED_BUFFERS = 16;
    /** A chunked upload's largest chunk ({@code MediaLibrary.MAX_CHUNK_BYTES}), written with one call. */
    static final int CHUNK_BUFFER_BYTES = 16 << 20;
    /** Whole-chunk buffers kept for reuse: as many as chunks typically arrive at once. */
    private static final int POOLED_CHUNK_BUFFERS = 4;

    private final Path root;
    private final Path staging;
    /**
     * Writes full direct buffers, or flushes buffered data, while the upload goes on, so network and disk overlap
     * instead of the caller waiting for all of the disk work at commit.
     */
    private final java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "framegrid-blob-io");
        t.setDaemon(true);
        return t;
    });

    private final java.util.Queue<java.nio.ByteBuffer> buffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Aligned buffers of a whole chunk, for chunked uploads written in place. */
    private final java.util.Queue<java.nio.ByteBuffer> chunkBuffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final int alignment;
    private volatile boolean directIo;

    /** Blobs under {@code root}, written with direct I/O where its file system allows it. */
    public LocalBlobStore(Path root) {
        this(root, true);
    }

    /** As above; {@code directIo} false always writes through the page cache. */
    public LocalBlobStore(Path root, boolean directIo) {
        this.root = root.toAbsolutePath().normalize();
        this.staging = this.root.resolve(".staging");
        try {
            Files.createDirectories(staging);
            this.alignment = (int) Math.max(4096, Files.getFileStore(staging).getBlockSize());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create media directory " + root, e);
        }
        this.directIo = directIo;
    }

    /** Whether new blobs are written with O_DIRECT (false once the file system refused it). */
    boolean writesDirect() {
        return directIo;
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
        if (directIo) {
            try {
                return new DirectWriter(key, target, temp,
                        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                                com.sun.nio.file.ExtendedOpenOption.DIRECT));
            } catch (UnsupportedOperationException | IOException e) {
                // tmpfs and some network file systems refuse O_DIRECT: buffered writes from now on.
                Files.deleteIfExists(temp);
                directIo = false;
                log.info("Media directory {} does not take direct I/O ({}); writing through the page cache", root,
                        e.toString());
            }
        }
        return new BufferedWriter(key, target, temp,
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    /** Moves a complete, durable staging file to its key. */
    private static void publish(Path temp, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void discard(FileChannel out, Path temp) {
        try {
            out.close();
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // Staging leftovers are harmless.
        }
    }

    private static void await(java.util.concurrent.Future<?> pending, String key) throws IOException {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while writing " + key);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private java.nio.ByteBuffer takeBuffer() {
        java.nio.ByteBuffer b = buffers.poll();
        return b != null ? b.clear()
                : java.nio.ByteBuffer.allocateDirect(DIRECT_BUFFER_BYTES + alignment).alignedSlice(alignment);
    }

    /** A pooled whole-chunk buffer; a small chunk (tests, small files) gets one of its own size, not pooled. */
    private java.nio.ByteBuffer takeChunkBuffer(int need) {
        int padded = (need + alignment - 1) / alignment * alignment;
        java.nio.ByteBuffer b = padded >= CHUNK_BUFFER_BYTES / 4 ? chunkBuffers.poll() : null;
        if (b != null) {
            return b.clear();
        }
        int capacity = padded >= CHUNK_BUFFER_BYTES / 4 ? CHUNK_BUFFER_BYTES : padded;
        return java.nio.ByteBuffer.allocateDirect(capacity + alignment).alignedSlice(alignment);
    }

    private void giveBackChunkBuffer(java.nio.ByteBuffer buffer) {
        if (buffer.capacity() == CHUNK_BUFFER_BYTES && chunkBuffers.size() < POOLED_CHUNK_BUFFERS) {
            chunkBuffers.offer(buffer);
        }
    }

    private void giveBack(java.nio.ByteBuffer buffer) {
        if (buffers.size() < POOLED_BUFFERS) {
            buffers.offer(buffer);
        }
    }

    /** A writer of one staging file, published under its key on commit. */
    private abstract static class StagedWriter implements BlobWriter {
        final String key;
        final Path target;
        final Path temp;
        final FileChannel out;

        StagedWriter(String key, Path target, Path temp, FileChannel out) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.out = out;
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            write(java.nio.ByteBuffer.wrap(data, offset, length));
        }
    }

    /**
     * Writes with O_DIRECT: bytes go from two reused aligned buffers straight to the disk, never through the page
     * cache. A large upload then neither allocates page-cache memory for itself (on a virtual machine that
     * memory may first have to come back from the host, which cost up to ten times the copy itself) nor evicts
     * what other readers cache, and no dirty pages are left to flush at commit. While one buffer is written by
     * the store's I/O thread, the caller fills the other, so network and disk overlap.
     */
    private final class DirectWriter extends StagedWriter {
        private java.nio.ByteBuffer filling;
        private java.nio.ByteBuffer spare;
        private java.util.concurrent.Future<?> writing;
        private long size;
        private boolean done;

        DirectWriter(String key, Path target, Path temp, FileChannel out) {
            super(key, target, temp, out);
            this.filling = takeBuffer();
        }

        @Override
        public void write(java.nio.ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                int n = Math.min(buffer.remaining(), filling.remaining());
                filling.put(filling.position(), buffer, buffer.position(), n);
                filling.position(filling.position() + n);
                buffer.position(buffer.position() + n);
                size += n;
                if (!filling.hasRemaining()) {
                    swap();
                }
            }
        }

        /** Hands the full buffer to the I/O thread once the previous one is on disk, and fills the other. */
        private void swap() throws IOException {
            await(writing, key);
            java.nio.ByteBuffer full = filling.flip();
            // The previous write ended (awaited above), so its buffer is free to fill again. A blob that fits one
            // buffer never takes the second.
            filling = spare != null ? spare.clear() : takeBuffer();
            spare = full;
            writing = io.submit(() -> {
                while (full.hasRemaining()) {
                    out.write(full);
                }
                return null;
            });
        }

        @Override
        public long commit() throws IOException {
            await(writing, key);
            writing = null;
            if (filling.position() > 0) {
                // O_DIRECT writes whole blocks: the tail goes out zero-padded and the file is cut back to size.
                int tail = filling.position();
                int padded = (tail + alignment - 1) / alignment * alignment;
                while (filling.position() < padded) {
                    filling.put((byte) 0);
                }
                filling.flip();
                while (filling.hasRemaining()) {
                    out.write(filling);
                }
                out.truncate(size);
            }
            // The data is on the device already; this makes the file's size and block map durable too.
            out.force(true);
            out.close();
            publish(temp, target);
            done = true;
            release();
            return size;
        }

        private void release() {
            if (filling != null) {
                giveBack(filling);
                filling = null;
            }
            if (spare != null) {
                giveBack(spare);
                spare = null;
            }
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            boolean idle = true;
            try {
                // The I/O thread may still be writing a buffer: it goes back to the pool only once that ended.
                await(writing, key);
            } catch (java.io.InterruptedIOException e) {
                idle = false;
            } catch (IOException ignored) {
                // The write failed; discarding anyway.
            }
            discard(out, temp);
            if (idle) {
                release();
            }
        }
    }

    /** Writes through the page cache, flushing in the background as it goes (file systems without O_DIRECT). */
    private final class BufferedWriter extends StagedWriter {
        private long size;
        private long unflushed;
        private java.util.concurrent.Future<?> flushing;
        private boolean done;

        BufferedWriter(String key, Path target, Path temp, FileChannel out) {
            super(key, target, temp, out);
        }

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
                flushing = io.submit(() -> {
                    out.force(false);
                    return null;
                });
            }
        }

        @Override
        public long commit() throws IOException {
            await(flushing, key);
            // The blob must be on disk before its metadata names it (and before the caller hears "done"),
            // or a power loss could leave metadata pointing at a truncated file.
            out.force(false);
            out.close();
            publish(temp, target);
            done = true;
            return size;
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            if (flushing != null) {
                flushing.cancel(false);
            }
            discard(out, temp);
        }
    }

    @Override
    public java.util.Optional<Assembly> assembly(String key, long size) {
        return java.util.Optional.of(new FileAssembly(path(key), size));
    }

    /**
     * A chunked upload's staging file under its upload's key: each chunk goes straight to its offset (O_DIRECT from
     * a pooled aligned buffer where the offset is block-aligned, else through the page cache) and is fdatasynced
     * before the chunk is acknowledged, so a chunk the upload lists as received survives a crash; completion then
     * only fixes the size and renames the file: no copy of the whole upload.
     */
    private final class FileAssembly implements Assembly {
        private final Path file;
        private final long size;

        FileAssembly(Path file, long size) {
            this.file = file;
            this.size = size;
        }

        @Override
        public void write(long offset, java.nio.ByteBuffer data) throws IOException {
            Files.createDirectories(file.getParent());
            if (directIo && offset % alignment == 0) {
                try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                    writeDirect(out, offset, data);
                    out.force(false);
                    return;
                } catch (UnsupportedOperationException e) {
                    directIo = false;
                    log.info("Media directory {} does not take direct I/O ({}); writing through the page cache",
                            root, e.toString());
                }
            }
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                long at = offset;
                while (data.hasRemaining()) {
                    at += out.write(data, at);
                }
                out.force(false);
            }
        }

        /**
         * Through one pooled aligned buffer the size of the chunk, in one write: the device then gets the whole chunk
         * at once (several requests in flight) instead of one small synchronous write after another. A tail shorter
         * than a block goes out zero-padded (publish cuts it).
         */
        private void writeDirect(FileChannel out, long offset, java.nio.ByteBuffer data) throws IOException {
            long at = offset;
            while (data.hasRemaining()) {
                java.nio.ByteBuffer buffer = takeChunkBuffer(Math.min(data.remaining(), CHUNK_BUFFER_BYTES));
                try {
                    int n = Math.min(buffer.capacity(), data.remaining());
                    buffer.put(0, data, data.position(), n);
                    data.position(data.position() + n);
                    int padded = (n + alignment - 1) / alignment * alignment;
                    for (int i = n; i < padded; i++) {
                        buffer.put(i, (byte) 0);
                    }
                    buffer.limit(padded);
                    while (buffer.hasRemaining()) {
                        at += out.write(buffer, at);
                    }
                } finally {
                    giveBackChunkBuffer(buffer);
                }
            }
        }

        @Override
        public InputStream open(long offset, long length) throws IOException {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        }

        @Override
        public long publish(String key) throws IOException {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                // A padded last chunk may have written past the end; a missing tail cannot happen (all chunks arrived).
                out.truncate(size);
                out.force(true);
            }
            LocalBlobStore.publish(file, path(key));
            return size;
        }
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
        io.shutdown();
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
