package io.framegrid.gpunode.reframer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Videos copied from the media store to local temporary files, shared by the tasks of a job that run on this node
 * (several ranges of one video, then its masks and render) so the blob is fetched once rather than once per task.
 * A file is deleted when no task uses it and either its job evicted it or more than {@code maxIdle} files are idle.
 */
public final class LocalVideos {
    /** Writes the blob's bytes. */
    @FunctionalInterface
    public interface Fetch {
        void into(OutputStream out) throws IOException;
    }

    private final int maxIdle;
    // Guarded by this; insertion order is least recently acquired first.
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public LocalVideos(int maxIdle) {
        this.maxIdle = maxIdle;
    }

    private static final class Entry {
        final String key;
        Path file;
        int users;
        boolean evicted;

        Entry(String key) {
            this.key = key;
        }
    }

    /** A use of one local copy; closing it lets the file go. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public Path file() {
            return entry.file;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }

    /** The local copy of {@code mediaId}, fetched now unless another task here already has it. */
    public Lease acquire(String mediaId, String suffix, Fetch fetch) throws IOException {
        Entry entry;
        synchronized (this) {
            entry = entries.remove(mediaId);
            if (entry == null || entry.evicted) {
                entry = new Entry(mediaId);
            }
            entries.put(mediaId, entry);
            entry.users++;
        }
        // One fetch per entry; other tasks of the same video wait here, not on the whole cache.
        synchronized (entry) {
            if (entry.file == null) {
                Path file = Files.createTempFile("framegrid-video-", suffix);
                try (OutputStream out = Files.newOutputStream(file)) {
                    fetch.into(out);
                    entry.file = file;
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(file);
                    release(entry);
                    throw e;
                }
            }
        }
        return new Lease(entry);
    }

    /** The job is done with {@code mediaId} here: its file goes once the last task using it closes its lease. */
    public void evict(String mediaId) {
        List<Path> delete = new ArrayList<>();
        synchronized (this) {
            Entry entry = entries.get(mediaId);
            if (entry != null) {
                entry.evicted = true;
                if (entry.users == 0) {
                    entries.remove(mediaId);
                    addFile(delete, entry);
                }
            }
        }
        delete.forEach(LocalVideos::deleteQuietly);
    }

    /** Local copies held now (for tests). */
    synchronized int size() {
        return entries.size();
    }

    private void release(Entry entry) {
        List<Path> delete = new ArrayList<>();
        synchronized (this) {
            entry.users--;
            if (entry.users == 0 && (entry.evicted || entry.file == null)) {
                entries.remove(entry.key, entry);
                addFile(delete, entry);
            }
            long idle = entries.values().stream().filter(e -> e.users == 0).count();
            var it = entries.values().iterator();
            while (idle > maxIdle && it.hasNext()) {
                Entry e = it.next();
                if (e.users == 0) {
                    it.remove();
                    addFile(delete, e);
                    idle--;
                }
            }
        }
        delete.forEach(LocalVideos::deleteQuietly);
    }

    private static void addFile(List<Path> delete, Entry entry) {
        if (entry.file != null) {
            delete.add(entry.file);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
