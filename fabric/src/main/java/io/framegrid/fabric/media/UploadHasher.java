package io.framegrid.fabric.media;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The sha256 of a chunked upload computed while its chunks arrive, so completion does not read the whole file
 * again. SHA-256 is sequential: a chunk is hashed once every chunk before it has been; one that arrives early waits
 * in memory (within {@link #HELD_BYTES}) or is read back from the staging blob when its turn comes. A chunk sent
 * again after it was hashed may carry other bytes, so it makes this hasher give up ({@link #finish} then returns
 * null and the caller hashes the staging blob from the start). Thread-safe: chunks of one upload arrive at once.
 */
final class UploadHasher {
    /** Early chunks held per upload; beyond that they are read back from the staging blob. */
    static final long HELD_BYTES = 64L << 20;

    private final long chunkSize;
    private final int chunkCount;
    private final long totalSize;
    private final long expiresMs;
    private final MessageDigest digest = MediaLibrary.sha256();
    /** Received, not yet hashed: the chunk's bytes, or null when they are to be read back. */
    private final Map<Integer, ByteString> waiting = new HashMap<>();
    private long held;
    private int next;
    private boolean hashing;
    private boolean gaveUp;
    private String result;

    UploadHasher(long chunkSize, int chunkCount, long totalSize, long expiresMs) {
        this.chunkSize = chunkSize;
        this.chunkCount = chunkCount;
        this.totalSize = totalSize;
        this.expiresMs = expiresMs;
    }

    long expiresMs() {
        return expiresMs;
    }

    /** Chunk {@code index} is durable in {@code blob}; hashes it, and what it unblocks, when its turn has come. */
    void received(int index, ByteString data, BlobStore.Assembly blob) throws IOException {
        synchronized (this) {
            if (gaveUp) {
                return;
            }
            if (index < next || waiting.containsKey(index) || result != null) {
                giveUp();
                return;
            }
            boolean hold = index == next || held + data.size() <= HELD_BYTES;
            waiting.put(index, hold ? data : null);
            held += hold ? data.size() : 0;
            if (hashing) {
                // The thread hashing now takes this chunk too when it gets there.
                return;
            }
            hashing = true;
        }
        drain(blob, false);
    }

    /** The whole upload's sha256 (lower-case hex), or null when this hasher gave up. */
    String finish(BlobStore.Assembly blob) throws IOException {
        synchronized (this) {
            while (hashing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("Interrupted while hashing the upload");
                }
            }
            if (gaveUp) {
                return null;
            }
            if (result != null) {
                return result;
            }
            hashing = true;
        }
        drain(blob, true);
        synchronized (this) {
            if (gaveUp) {
                return null;
            }
            result = HexFormat.of().formatHex(digest.digest());
            return result;
        }
    }

    /**
     * Hashes chunks in order while the next one is at hand (all of them when {@code completing}: every chunk is in,
     * those not held are read back). Stops hashing, and lets {@link #finish} go on, in the same step that finds
     * nothing to do, so a chunk arriving meanwhile is never left unhashed.
     */
    private void drain(BlobStore.Assembly blob, boolean completing) throws IOException {
        boolean done = false;
        try {
            while (true) {
                ByteString data;
                int index;
                synchronized (this) {
                    if (gaveUp || next >= chunkCount || (!completing && !waiting.containsKey(next))) {
                        hashing = false;
                        notifyAll();
                        done = true;
                        return;
                    }
                    // Claimed before it is hashed: the same chunk sent again meanwhile counts as a re-send.
                    index = next++;
                    data = waiting.remove(index);
                    if (data != null) {
                        held -= data.size();
                    }
                }
                // Outside the lock: other chunks of the upload are acknowledged while this one is hashed.
                if (data != null) {
                    for (ByteBuffer b : data.asReadOnlyByteBufferList()) {
                        digest.update(b);
                    }
                } else {
                    long offset = index * chunkSize;
                    readInto(blob, offset, Math.min(chunkSize, totalSize - offset));
                }
            }
        } finally {
            if (!done) {
                synchronized (this) {
                    giveUp();
                    hashing = false;
                    notifyAll();
                }
            }
        }
    }

    private void readInto(BlobStore.Assembly blob, long offset, long length) throws IOException {
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = blob.open(offset, length)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
    }

    private void giveUp() {
        gaveUp = true;
        waiting.clear();
        held = 0;
    }
}
