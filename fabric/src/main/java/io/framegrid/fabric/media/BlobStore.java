package io.framegrid.fabric.media;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where media bytes live, outside the grid: local disk by default, any S3-compatible store by configuration.
 * Writes are all-or-nothing: a blob becomes visible only when its writer commits.
 */
public interface BlobStore extends AutoCloseable {

    /** Starts writing {@code key}; nothing is visible under the key until {@link BlobWriter#commit()}. */
    BlobWriter create(String key) throws IOException;

    /** Reads {@code length} bytes (all remaining when negative) of {@code key} from {@code offset}. */
    InputStream open(String key, long offset, long length) throws IOException;

    /** Size of a committed blob, or -1 when absent. */
    long size(String key) throws IOException;

    void delete(String key) throws IOException;

    /** Deletes every blob whose key starts with {@code prefix}. */
    void deletePrefix(String prefix) throws IOException;

    /** Short name for logs: local path or bucket URL. */
    String describe();

    /**
     * A URL anyone holding it may GET {@code key} from directly, for {@code ttl}, when the store can issue one (S3:
     * a presigned URL, computed locally); empty otherwise (local disk: downloads go through the cluster).
     */
    default java.util.Optional<java.net.URI> presignedGet(String key, java.time.Duration ttl) {
        return java.util.Optional.empty();
    }

    /**
     * The in-place staging blob of a chunked upload of {@code size} bytes, named {@code key} (created on first write,
     * found again by the same key on every later call), when the store can write at offsets; empty otherwise
     * (S3: each chunk is its own object, joined at completion). Writing each chunk at its offset saves completion a
     * copy of the whole file.
     */
    default java.util.Optional<Assembly> assembly(String key, long size) {
        return java.util.Optional.empty();
    }

    @Override
    default void close() {}

    /** A blob written in pieces at their offsets, in any order and from several threads at once. */
    interface Assembly {
        /** Writes the buffer's remaining bytes (consuming them) at {@code offset}; durable when this returns. */
        void write(long offset, java.nio.ByteBuffer data) throws IOException;

        /** Reads {@code length} bytes written at {@code offset}. */
        InputStream open(long offset, long length) throws IOException;

        /** Makes the blob durable at its declared size and moves it under {@code key}; returns its size. */
        long publish(String key) throws IOException;
    }

    /** A blob being written. Not thread-safe. */
    interface BlobWriter extends AutoCloseable {
        void write(byte[] data, int offset, int length) throws IOException;

        /**
         * Writes the buffer's remaining bytes (consuming them). Stores that can write a buffer directly
         * (local files) override this, so uploads skip a copy; the default copies into an array.
         */
        default void write(java.nio.ByteBuffer buffer) throws IOException {
            if (buffer.hasArray()) {
                write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
                buffer.position(buffer.limit());
                return;
            }
            byte[] copy = new byte[buffer.remaining()];
            buffer.get(copy);
            write(copy, 0, copy.length);
        }

        /** Makes the blob visible; returns its size. */
        long commit() throws IOException;

        /** Discards what was written; safe after commit (does nothing then). */
        @Override
        void close();
    }
}
