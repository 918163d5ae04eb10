package io.framegrid.fabric.media;

import com.google.protobuf.ByteString;
import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.MediaRecord;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.proto.media.v1.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media metadata in the grid over blobs in a {@link BlobStore}: streamed uploads, chunked uploads
 * (any order, idempotent chunks, resumable, sha256-verified), and their expiry.
 */
public final class MediaLibrary {
    private static final Logger log = LoggerFactory.getLogger(MediaLibrary.class);
    public static final long MAX_CHUNK_BYTES = 16L << 20;

    private final Ignite ignite;
    private final IgniteCache<String, byte[]> media;
    private final IgniteCache<String, byte[]> uploads;
    private final BlobStore store;
    private final FramegridConfig.Media config;
    private final Clock clock;
    /** Chunked uploads hashed here as their chunks arrive (see {@link UploadHasher}); dropped at completion or expiry. */
    private final java.util.concurrent.ConcurrentMap<String, UploadHasher> hashers =
            new java.util.concurrent.ConcurrentHashMap<>();

    public MediaLibrary(Ignite ignite, BlobStore store, FramegridConfig.Media config, Clock clock) {
        this.ignite = ignite;
        this.media = ignite.cache(CacheNames.MEDIA);
        this.uploads = ignite.cache(CacheNames.UPLOADS);
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    /** The blob store configured by {@code media.store}. */
    public static BlobStore openStore(FramegridConfig.Media config, java.nio.file.Path dataDir) {
        switch (config.store()) {
            case "local": return new LocalBlobStore(config.localDir());
            case "s3": return new S3BlobStore(config, dataDir.resolve("media-spool"));
            default: throw new IllegalArgumentException("media.store must be local or s3, got " + config.store());
        }
    }

    public BlobStore store() {
        return store;
    }

    public long maxBytes(String tier) {
        return config.maxBytes(tier);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RESOURCE_EXHAUSTED / FILE_TOO_LARGE: the gateway answers 413. */
    public static FabricException tooLarge(long max) {
        return FabricException.of(FabricException.Kind.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE",
                "File exceeds your plan's limit of " + (max >> 20) + " MB");
    }

    // ---- metadata ------------------------------------------------------------------------------

    public static String blobKey(String ownerId, String mediaId) {
        return "media/" + ownerId + "/" + mediaId;
    }

    /** Records a committed blob. */
    public Media register(String mediaId, String ownerId, String filename, String contentType, long size, String sha256,
                          Map<String, String> metadata) {
        long now = clock.millis();
        Media m = Media.newBuilder().setMediaId(mediaId).setOwnerId(ownerId).setFilename(filename)
                .setContentType(contentType.isEmpty() ? "application/octet-stream" : contentType).setSize(size)
                .setSha256(sha256).setCreatedAt(Protos.timestamp(now)).setStorageKey(blobKey(ownerId, mediaId))
                .putAllMetadata(metadata).build();
        media.put(mediaId, MediaRecord.newBuilder().setMedia(m).setCreatedMs(now).build().toByteArray());
        return m;
    }

    /**
     * Stores all of {@code in} (closed afterwards) as a new media file of {@code ownerId}. The blob is hashed while it
     * is written and committed before its record names it; when the record cannot be written the blob is deleted
     * again, so a failure at any point leaves neither behind.
     */
    public Media storeNew(String ownerId, String filename, String contentType, InputStream in,
                          Map<String, String> metadata) throws IOException {
        String id = UUID.randomUUID().toString();
        String key = blobKey(ownerId, id);
        MessageDigest sha = sha256();
        long size;
        try (InputStream source = in; BlobStore.BlobWriter writer = store.create(key)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = source.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                writer.write(buffer, 0, n);
            }
            size = writer.commit();
        }
        try {
            return register(id, ownerId, filename, contentType, size, HexFormat.of().formatHex(sha.digest()), metadata);
        } catch (RuntimeException e) {
            try {
                store.delete(key);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** A direct download URL of {@code m} valid for {@code ttl}, when the store issues them (S3); empty otherwise. */
    public Optional<java.net.URI> presignedUrl(Media m, java.time.Duration ttl) {
        return store.presignedGet(m.getStorageKey().isEmpty() ? blobKey(m.getOwnerId(), m.getMediaId())
                : m.getStorageKey(), ttl);
    }

    public Optional<Media> get(String mediaId) {
        MediaRecord r = Protos.parse(MediaRecord.parser(), media.get(mediaId));
        return r == null ? Optional.empty() : Optional.of(r.getMedia());
    }

    /** Adds probe results (duration, size, codec...) to a media's metadata. */
    public void putProbe(String mediaId, Map<String, String> probe) {
        inTx(() -> {
            MediaRecord r = Protos.parse(MediaRecord.parser(), media.get(mediaId));
            if (r != null) {
                MediaRecord.Builder b = r.toBuilder();
                b.getMediaBuilder().putAllProbe(probe);
                media.put(mediaId, b.build().toByteArray());
            }
            return null;
        });
    }

    /** One owner's media, newest first. */
    public List<Media> list(String ownerId) {
        List<MediaRecord> records = new ArrayList<>();
        try (var cursor = media.query(new ScanQuery<>(new OwnerFilter(ownerId)))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                records.add(Protos.parse(MediaRecord.parser(), e.getValue()));
            }
        }
        records.sort(Comparator.comparingLong(MediaRecord::getCreatedMs).reversed()
                .thenComparing(r -> r.getMedia().getMediaId()));
        return records.stream().map(MediaRecord::getMedia).toList();
    }

    public boolean delete(Media m) throws IOException {
        store.delete(m.getStorageKey());
        return media.remove(m.getMediaId());
    }

    /** Scan-query filter run on the data nodes. */
    static final class OwnerFilter implements IgniteBiPredicate<String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final String ownerId;

        OwnerFilter(String ownerId) {
            this.ownerId = ownerId;
        }

        @Override
        public boolean apply(String key, byte[] value) {
            return Protos.parse(MediaRecord.parser(), value).getMedia().getOwnerId().equals(ownerId);
        }
    }

    // ---- chunked uploads ----------------------------------------------------------------------

    private static String chunkKey(String uploadId, int index) {
        return "uploads/" + uploadId + "/" + index;
    }

    /** Where a store that writes at offsets stages the whole upload, each chunk at its place. */
    private static String assemblyKey(String uploadId) {
        return "uploads/" + uploadId + "/assembly";
    }

    private Optional<BlobStore.Assembly> assembly(UploadState state) {
        return store.assembly(assemblyKey(state.getUploadId()), state.getInit().getTotalSize());
    }

    private UploadHasher hasher(UploadState state) {
        return hashers.computeIfAbsent(state.getUploadId(), id -> new UploadHasher(state.getInit().getChunkSize(),
                state.getChunkCount(), state.getInit().getTotalSize(), state.getExpiresMs()));
    }

    public UploadSession init(String ownerId, String tier, InitUploadRequest request) {
        if (request.getFilename().isBlank()) {
            throw FabricException.invalid("INVALID_FILENAME", "filename is required");
        }
        if (request.getTotalSize() <= 0) {
            throw FabricException.invalid("INVALID_SIZE", "total_size must be positive");
        }
        if (request.getChunkSize() <= 0 || request.getChunkSize() > MAX_CHUNK_BYTES) {
            throw FabricException.invalid("INVALID_CHUNK_SIZE", "chunk_size must be between 1 and " + MAX_CHUNK_BYTES);
        }
        if (!request.getSha256().isEmpty() && !request.getSha256().matches("[0-9a-fA-F]{64}")) {
            throw FabricException.invalid("INVALID_CHECKSUM", "sha256 must be 64 hex digits");
        }
        long max = config.maxBytes(tier);
        if (request.getTotalSize() > max) {
            throw tooLarge(max);
        }
        long count = (request.getTotalSize() + request.getChunkSize() - 1) / request.getChunkSize();
        if (count > 100_000) {
            throw FabricException.invalid("INVALID_CHUNK_SIZE", "Too many chunks; use a larger chunk_size");
        }
        long now = clock.millis();
        UploadState state = UploadState.newBuilder().setUploadId(UUID.randomUUID().toString()).setOwnerId(ownerId)
                .setInit(request).setChunkCount((int) count).setCreatedMs(now)
                .setExpiresMs(now + config.uploadExpiry().toMillis()).build();
        uploads.put(state.getUploadId(), state.toByteArray());
        return session(state, -1);
    }

    /** The caller's upload, or NOT_FOUND (also for another user's upload, or an expired one). */
    public UploadState upload(String uploadId, String callerId, boolean admin) {
        UploadState state = Protos.parse(UploadState.parser(), uploads.get(uploadId));
        if (state == null || (!state.getOwnerId().equals(callerId) && !admin) || state.getExpiresMs() < clock.millis()) {
            throw FabricException.notFound("UPLOAD_NOT_FOUND", "Upload not found or expired");
        }
        return state;
    }

    public UploadSession chunk(UploadState state, int index, ByteString data) {
        if (index < 0 || index >= state.getChunkCount()) {
            throw FabricException.invalid("INVALID_CHUNK_INDEX", "chunk_index must be between 0 and " + (state.getChunkCount() - 1));
        }
        long chunkSize = state.getInit().getChunkSize();
        long expected = index == state.getChunkCount() - 1
                ? state.getInit().getTotalSize() - chunkSize * (state.getChunkCount() - 1) : chunkSize;
        if (data.size() != expected) {
            throw FabricException.invalid("INVALID_CHUNK_SIZE", "Chunk " + index + " must be " + expected + " bytes, got " + data.size());
        }
        // Re-sending a chunk rewrites the same bytes (or key): idempotent.
        Optional<BlobStore.Assembly> assembly = assembly(state);
        try {
            if (assembly.isPresent()) {
                // One buffer, so the whole chunk goes out block-aligned (a parsed message's bytes are one array).
                List<java.nio.ByteBuffer> parts = data.asReadOnlyByteBufferList();
                assembly.get().write(index * chunkSize, parts.size() == 1 ? parts.get(0) : data.asReadOnlyByteBuffer());
            } else {
                try (BlobStore.BlobWriter w = store.create(chunkKey(state.getUploadId(), index))) {
                    for (java.nio.ByteBuffer buffer : data.asReadOnlyByteBufferList()) {
                        w.write(buffer);
                    }
                    w.commit();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        UploadState updated = inTx(() -> {
            UploadState current = Protos.parse(UploadState.parser(), uploads.get(state.getUploadId()));
            if (current == null) {
                throw FabricException.notFound("UPLOAD_NOT_FOUND", "Upload not found or expired");
            }
            if (current.getReceivedList().contains(index)) {
                return current;
            }
            UploadState next = current.toBuilder().addReceived(index).build();
            uploads.put(state.getUploadId(), next.toByteArray());
            return next;
        });
        if (assembly.isPresent()) {
            try {
                hasher(state).received(index, data, assembly.get());
            } catch (IOException | RuntimeException e) {
                // The chunk is stored; completion hashes the staged file from the start instead.
                log.warn("Cannot hash chunk {} of upload {} as it arrives: {}", index, state.getUploadId(), e.toString());
            }
        }
        return session(updated, index);
    }

    /** Joins the chunks in order into the final blob, verifying size and sha256; the upload ends on success. */
    public Media complete(UploadState state, String sha256Override) throws IOException {
        UploadSession s = session(state, -1);
        if (!s.getMissingChunksList().isEmpty()) {
            throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "CHUNKS_MISSING",
                    s.getMissingChunksCount() + " chunks missing, first " + s.getMissingChunks(0));
        }
        String expected = sha256Override.isEmpty() ? state.getInit().getSha256() : sha256Override;
        String mediaId = UUID.randomUUID().toString();
        Optional<BlobStore.Assembly> assembly = assembly(state);
        if (assembly.isPresent()) {
            return completeInPlace(state, expected, mediaId, assembly.get());
        }
        MessageDigest digest = sha256();
        byte[] buffer = new byte[1 << 20];
        long size = 0;
        try (BlobStore.BlobWriter w = store.create(blobKey(state.getOwnerId(), mediaId))) {
            for (int i = 0; i < state.getChunkCount(); i++) {
                try (InputStream in = store.open(chunkKey(state.getUploadId(), i), 0, -1)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        w.write(buffer, 0, n);
                        digest.update(buffer, 0, n);
                        size += n;
                    }
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (size != state.getInit().getTotalSize()) {
                throw FabricException.invalid("SIZE_MISMATCH", "Assembled " + size + " bytes, expected " + state.getInit().getTotalSize());
            }
            if (!expected.isEmpty() && !expected.equalsIgnoreCase(actual)) {
                throw FabricException.invalid("CHECKSUM_MISMATCH", "sha256 of the assembled file is " + actual + ", expected "
                        + expected.toLowerCase());
            }
            w.commit();
            if (!uploads.remove(state.getUploadId())) {
                store.delete(blobKey(state.getOwnerId(), mediaId));
                throw FabricException.notFound("UPLOAD_NOT_FOUND", "Upload already completed");
            }
            Media m = register(mediaId, state.getOwnerId(), state.getInit().getFilename(),
                    state.getInit().getContentType(), size, actual, state.getInit().getMetadataMap());
            store.deletePrefix("uploads/" + state.getUploadId());
            return m;
        }
    }

    /** The chunks are in place already: check the sha256 (mostly computed as they arrived), then move the file. */
    private Media completeInPlace(UploadState state, String expected, String mediaId, BlobStore.Assembly blob)
            throws IOException {
        long size = state.getInit().getTotalSize();
        String actual = hasher(state).finish(blob);
        if (actual == null) {
            MessageDigest digest = sha256();
            byte[] buffer = new byte[1 << 20];
            try (InputStream in = blob.open(0, size)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                }
            }
            actual = HexFormat.of().formatHex(digest.digest());
        }
        if (!expected.isEmpty() && !expected.equalsIgnoreCase(actual)) {
            throw FabricException.invalid("CHECKSUM_MISMATCH", "sha256 of the assembled file is " + actual + ", expected "
                    + expected.toLowerCase());
        }
        String key = blobKey(state.getOwnerId(), mediaId);
        blob.publish(key);
        if (!uploads.remove(state.getUploadId())) {
            store.delete(key);
            throw FabricException.notFound("UPLOAD_NOT_FOUND", "Upload already completed");
        }
        hashers.remove(state.getUploadId());
        Media m = register(mediaId, state.getOwnerId(), state.getInit().getFilename(),
                state.getInit().getContentType(), size, actual, state.getInit().getMetadataMap());
        store.deletePrefix("uploads/" + state.getUploadId());
        return m;
    }

    public UploadSession session(UploadState state, int chunkIndex) {
        TreeSet<Integer> received = new TreeSet<>(state.getReceivedList());
        UploadSession.Builder b = UploadSession.newBuilder().setUploadId(state.getUploadId())
                .setFilename(state.getInit().getFilename()).setTotalSize(state.getInit().getTotalSize())
                .setChunkSize(state.getInit().getChunkSize()).setChunkCount(state.getChunkCount())
                .setChunksReceived(received.size()).setExpiresAt(Protos.timestamp(state.getExpiresMs()));
        if (chunkIndex >= 0) {
            b.setChunkIndex(chunkIndex);
        }
        for (int i = 0; i < state.getChunkCount(); i++) {
            if (!received.contains(i)) {
                b.addMissingChunks(i);
            }
        }
        return b.build();
    }

    /** Deletes the expired uploads whose primary copy is on this node, with their chunks; returns how many. */
    public int expireUploads() {
        long now = clock.millis();
        List<UploadState> expired = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : uploads.localEntries(CachePeekMode.PRIMARY)) {
            UploadState s = Protos.parse(UploadState.parser(), e.getValue());
            if (s.getExpiresMs() < now) {
                expired.add(s);
            }
        }
        // Hashers of uploads that ended elsewhere or expired (whichever node holds their state).
        hashers.values().removeIf(h -> h.expiresMs() < now);
        for (UploadState s : expired) {
            hashers.remove(s.getUploadId());
            try {
                store.deletePrefix("uploads/" + s.getUploadId());
                uploads.remove(s.getUploadId());
            } catch (IOException | RuntimeException e) {
                log.warn("Cannot delete expired upload {}: {}", s.getUploadId(), e.toString());
            }
        }
        if (!expired.isEmpty()) {
            log.info("Deleted {} expired uploads", expired.size());
        }
        return expired.size();
    }

    private <T> T inTx(Supplier<T> body) {
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ, 30_000, 0)) {
            T result = body.get();
            tx.commit();
            return result;
        }
    }
}
