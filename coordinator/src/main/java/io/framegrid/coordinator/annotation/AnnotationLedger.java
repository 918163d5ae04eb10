package io.framegrid.coordinator.annotation;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.Lease;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Product A's pool of videos and their annotation leases in the grid. Every change is a pessimistic, repeatable-read
 * transaction that locks the video's record on its first read, so a check made under the lock (free? holder? token?)
 * still holds when the write lands, whichever coordinator runs it. Lock order: the video record first, then its
 * annotations; a transaction touches one video only, so two never wait on each other in opposite orders.
 *
 * <p>Fencing: every new lease takes the video's next token ({@code last_token + 1}); a renewal keeps it. A commit
 * naming a token that is not the live lease's (the lease expired and someone else holds a newer one) is refused
 * before anything is written. A lease past its expiry counts as absent in every check, so correctness never waits
 * for {@link AnnotationReaper}, which only clears such leases from the records.
 */
public final class AnnotationLedger {
    /** Most annotations one commit may store. */
    public static final int MAX_ANNOTATIONS = 200_000;
    /** Bounds on a requested lease length. */
    static final long MIN_TTL_MS = 1_000;
    static final long MAX_TTL_MS = 24L * 3600 * 1000;
    private static final int MAX_ATTEMPTS = 5;
    /** How long a claim waits for a record another claim holds before trying the next video. */
    static final long CLAIM_LOCK_TIMEOUT_MS = 250;
    private static final long TX_TIMEOUT_MS = 30_000;

    private final Ignite ignite;
    private final IgniteCache<String, byte[]> videos;
    private final IgniteCache<String, byte[]> annotations;
    private final IgniteCache<String, byte[]> telemetry;
    private final IgniteCache<String, byte[]> sync;
    private final Clock clock;
    private final long defaultTtlMs;
    private final AnnotationLockMetrics metrics;

    public AnnotationLedger(Ignite ignite, Clock clock, long defaultTtlMs) {
        this(ignite, clock, defaultTtlMs, new AnnotationLockMetrics());
    }

    public AnnotationLedger(Ignite ignite, Clock clock, long defaultTtlMs, AnnotationLockMetrics metrics) {
        this.ignite = ignite;
        this.videos = ignite.cache(CacheNames.ANNOTATION_VIDEOS);
        this.annotations = ignite.cache(CacheNames.ANNOTATIONS);
        this.telemetry = ignite.cache(CacheNames.ANNOTATION_TELEMETRY);
        this.sync = ignite.cache(CacheNames.ANNOTATION_SYNC);
        this.clock = clock;
        this.defaultTtlMs = defaultTtlMs;
        this.metrics = metrics;
    }

    /** Live leases in the whole pool now (a scan: for metrics scrapes, not hot paths). */
    public long locksHeld() {
        long now = clock.millis();
        long held = 0;
        try (var cursor = videos.query(new ScanQuery<String, byte[]>())) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                if (liveLease(parse(e.getValue()), now) != null) {
                    held++;
                }
            }
        }
        return held;
    }

    /** Adds {@code video} unless its id is already in the pool; returns the stored record. */
    public Video add(Video video) {
        return inTx(() -> {
            Optional<Video> existing = read(video.getVideoId());
            if (existing.isPresent()) {
                return existing.get();
            }
            videos.put(video.getVideoId(), video.toByteArray());
            return video;
        });
    }

    /** The video as stored, with a lease past its expiry shown as none. */
    public Video get(String videoId) {
        return live(read(videoId).orElseThrow(() -> unknown(videoId)), clock.millis());
    }

    /**
     * The oldest free video (neither annotated nor under a live lease); with {@code holder} non-null it is leased to
     * them in the same transaction. A candidate taken meanwhile by someone else (or being taken right now) is
     * skipped for the next one.
     */
    public Optional<Video> next(String holder, long ttlMs) {
        long now = clock.millis();
        List<Video> candidates = new ArrayList<>();
        try (var cursor = videos.query(new ScanQuery<String, byte[]>())) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                Video v = parse(e.getValue());
                if (free(v, now)) {
                    candidates.add(v);
                }
            }
        }
        candidates.sort(Comparator.comparingLong(Video::getUploadDateMs).thenComparing(Video::getVideoId));
        for (Video candidate : candidates) {
            if (holder == null) {
                return Optional.of(live(candidate, now));
            }
            // Claimed by someone since the scan: skip it without queueing on its lock.
            Video current = read(candidate.getVideoId()).orElse(null);
            if (current == null || !free(current, clock.millis())) {
                continue;
            }
            Optional<Video> claimed = claim(candidate.getVideoId(), holder, ttlMs);
            if (claimed.isPresent()) {
                return claimed;
            }
        }
        return Optional.empty();
    }

    /**
     * One claim attempt in its own transaction: empty when the video is no longer free, or when another claim holds
     * its record longer than {@link #CLAIM_LOCK_TIMEOUT_MS} (that one is about to take it; the caller moves on to the
     * next oldest rather than queueing behind every other claimer).
     */
    private Optional<Video> claim(String videoId, String holder, long ttlMs) {
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ, CLAIM_LOCK_TIMEOUT_MS, 0)) {
            long at = clock.millis();
            Video v = read(videoId).orElse(null);
            if (v == null || !free(v, at)) {
                return Optional.empty();
            }
            Video leased = lease(v, holder, ttlMs, at);
            tx.commit();
            return Optional.of(leased);
        } catch (RuntimeException e) {
            if (transientFailure(e)) {
                metrics.refused("CLAIM_CONTENDED");
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Leases the video to {@code holder} (a new token) or renews their live lease (same token). */
    public Video start(String videoId, String holder, long ttlMs) {
        return inTx(() -> {
            long now = clock.millis();
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            if (v.getAnnotated()) {
                throw conflict("VIDEO_ANNOTATED", "Video is already annotated");
            }
            Lease lease = liveLease(v, now);
            if (lease != null && !lease.getHolderId().equals(holder)) {
                throw conflict("VIDEO_LOCKED", "Video is already locked by another user");
            }
            return lease(v, holder, ttlMs, now);
        });
    }

    /**
     * Stores {@code items} and marks the video annotated, releasing the lease, in one transaction; refused (nothing
     * written) unless {@code holder} holds the live lease and {@code token}, when non-empty, is its token.
     */
    public CommitResponse commit(String videoId, String holder, String token, List<Annotation> items) {
        return inTx(() -> {
            long now = clock.millis();
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            if (v.getAnnotated()) {
                throw conflict("VIDEO_ANNOTATED", "Video is already annotated");
            }
            Lease lease = liveLease(v, now);
            if (!token.isEmpty() && (lease == null || !Long.toString(lease.getToken()).equals(token))) {
                throw conflict("STALE_LOCK", "The lock token is no longer valid: the lock expired or was taken over");
            }
            if (lease == null) {
                throw conflict("NOT_LOCKED", "Start annotating the video first: it is not locked by you");
            }
            if (!lease.getHolderId().equals(holder)) {
                throw conflict("VIDEO_LOCKED", "Video is already locked by another user");
            }
            Video done = v.toBuilder().clearLease().setAnnotated(true).setAnnotatedBy(holder).setAnnotatedMs(now).build();
            CommitResponse stored = CommitResponse.newBuilder().setVideo(done).addAllAnnotations(items).build();
            // Same order as every transaction here: the video record (locked above), then its annotations.
            annotations.put(videoId, stored.toByteArray());
            videos.put(videoId, done.toByteArray());
            return stored;
        });
    }

    /** The committed annotations, if any. */
    public Optional<CommitResponse> annotations(String videoId) {
        byte[] bytes = annotations.get(videoId);
        return bytes == null ? Optional.empty() : Optional.of(parseCommit(bytes));
    }

    /** Releases the live lease: its holder, or anyone when {@code admin}; a video without one stays as it is. */
    public Video unlock(String videoId, String caller, boolean admin) {
        return inTx(() -> {
            long now = clock.millis();
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            Lease lease = liveLease(v, now);
            // Unlocking a free video is a no-op, so a holder's retry after commit or expiry is harmless.
            if (lease != null && !admin && !lease.getHolderId().equals(caller)) {
                metrics.refused("NOT_HOLDER");
                throw new ForbiddenException("Only the user holding the lock or an admin may unlock the video");
            }
            Video free = v.toBuilder().clearLease().build();
            videos.put(videoId, free.toByteArray());
            return free;
        });
    }

    /** Clears the lease of {@code videoId} when it has expired by now; true when it did. */
    public boolean expire(String videoId) {
        return inTx(() -> {
            Video v = read(videoId).orElse(null);
            if (v == null || !v.hasLease() || v.getLease().getExpiresMs() > clock.millis()) {
                return false;
            }
            videos.put(videoId, v.toBuilder().clearLease().build().toByteArray());
            metrics.expired();
            return true;
        });
    }

    /** Ids of the videos whose primary copy is on this node and whose stored lease has expired. */
    List<String> expiredHere() {
        long now = clock.millis();
        List<String> ids = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : videos.localEntries(CachePeekMode.PRIMARY)) {
            Video v = parse(e.getValue());
            if (v.hasLease() && v.getLease().getExpiresMs() <= now) {
                ids.add(e.getKey());
            }
        }
        return ids;
    }

    /** Replaces the video's telemetry whole: one put of one value, so a reader sees the old set or the new. */
    public Video putTelemetry(String videoId, List<TelemetryPoint> points) {
        return inTx(() -> {
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            telemetry.put(videoId, Telemetry.newBuilder().setVideoId(videoId).addAllPoints(points).build().toByteArray());
            return v;
        });
    }

    public Telemetry telemetry(String videoId) {
        if (read(videoId).isEmpty()) {
            throw unknown(videoId);
        }
        byte[] bytes = telemetry.get(videoId);
        try {
            return bytes == null ? Telemetry.newBuilder().setVideoId(videoId).build() : Telemetry.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt telemetry of " + videoId, e);
        }
    }

    /** Every video of the pool, oldest first, leases past expiry shown as none. */
    public List<Video> list(boolean annotatedOnly) {
        long now = clock.millis();
        List<Video> all = new ArrayList<>();
        try (var cursor = videos.query(new ScanQuery<String, byte[]>())) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                Video v = parse(e.getValue());
                if (!annotatedOnly || v.getAnnotated()) {
                    all.add(live(v, now));
                }
            }
        }
        all.sort(Comparator.comparingLong(Video::getUploadDateMs).thenComparing(Video::getVideoId));
        return all;
    }

    /** The video's synchronisation data as stored (empty series, zero offsets when none was uploaded). */
    public Sync sync(String videoId) {
        Video v = read(videoId).orElseThrow(() -> unknown(videoId));
        return syncOf(v);
    }

    /**
     * Applies {@code change} to the video's synchronisation data in one transaction (video record locked first, then
     * its sync record); {@code change} may refuse by throwing, and then nothing is written. With {@code guardLease}
     * a live lease of someone other than {@code caller} refuses the change.
     */
    public Sync updateSync(String videoId, String caller, boolean guardLease, java.util.function.UnaryOperator<Sync> change) {
        return inTx(() -> {
            long now = clock.millis();
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            Lease lease = liveLease(v, now);
            if (guardLease && lease != null && !lease.getHolderId().equals(caller)) {
                throw conflict("VIDEO_LOCKED", "Video is already locked by another user");
            }
            Sync next = change.apply(syncOf(v)).toBuilder().setVideoId(videoId).setDurationMs(v.getDurationMs()).build();
            sync.put(videoId, next.toByteArray());
            return next;
        });
    }

    /** Removes the video and everything stored for it; returns the record as it was. */
    public Video delete(String videoId) {
        return inTx(() -> {
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            annotations.remove(videoId);
            telemetry.remove(videoId);
            sync.remove(videoId);
            videos.remove(videoId);
            return v;
        });
    }

    /** Back into the pool: unannotated and unleased; the fencing token keeps growing, so old tokens stay refused. */
    public Video reopen(String videoId) {
        return inTx(() -> {
            Video v = read(videoId).orElseThrow(() -> unknown(videoId));
            Video open = v.toBuilder().clearLease().setAnnotated(false).clearAnnotatedBy().clearAnnotatedMs().build();
            videos.put(videoId, open.toByteArray());
            return open;
        });
    }

    private Sync syncOf(Video v) {
        byte[] bytes = sync.get(v.getVideoId());
        try {
            Sync s = bytes == null ? Sync.getDefaultInstance() : Sync.parseFrom(bytes);
            return s.toBuilder().setVideoId(v.getVideoId()).setDurationMs(v.getDurationMs()).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt sync record of " + v.getVideoId(), e);
        }
    }

    /** Every stored speed model, newest first. */
    public List<io.framegrid.proto.annotation.v1.SpeedModel> models() {
        List<io.framegrid.proto.annotation.v1.SpeedModel> all = new ArrayList<>();
        IgniteCache<String, byte[]> models = ignite.cache(CacheNames.ANNOTATION_MODELS);
        try (var cursor = models.query(new ScanQuery<String, byte[]>((k, v) -> k.startsWith("v")))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                try {
                    all.add(io.framegrid.proto.annotation.v1.SpeedModel.parseFrom(e.getValue()));
                } catch (InvalidProtocolBufferException ex) {
                    throw new IllegalStateException("Corrupt speed model " + e.getKey(), ex);
                }
            }
        }
        all.sort(Comparator.comparingInt(io.framegrid.proto.annotation.v1.SpeedModel::getVersion).reversed());
        return all;
    }

    /** The predictions an inference job stored, if any. */
    public Optional<io.framegrid.proto.annotation.v1.Predictions> predictions(String jobId) {
        byte[] bytes = ignite.<String, byte[]>cache(CacheNames.ANNOTATION_MODELS)
                .get(io.framegrid.proto.annotation.AnnotationContract.PREDICTIONS_PREFIX + jobId);
        try {
            return bytes == null ? Optional.empty()
                    : Optional.of(io.framegrid.proto.annotation.v1.Predictions.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt predictions of " + jobId, e);
        }
    }

    /** A requested lease length within bounds; 0 means the default. */
    long ttl(long requestedMs) {
        if (requestedMs == 0) {
            return defaultTtlMs;
        }
        if (requestedMs < MIN_TTL_MS || requestedMs > MAX_TTL_MS) {
            throw FabricException.invalid("INVALID_TTL", "Lock TTL must be between 1 s and 24 h");
        }
        return requestedMs;
    }

    private Video lease(Video v, String holder, long ttlMs, long now) {
        Lease current = liveLease(v, now);
        Lease next = current != null && current.getHolderId().equals(holder)
                ? current.toBuilder().setExpiresMs(now + ttlMs).build()
                : Lease.newBuilder().setHolderId(holder).setToken(v.getLastToken() + 1).setAcquiredMs(now)
                        .setExpiresMs(now + ttlMs).build();
        Video leased = v.toBuilder().setLease(next).setLastToken(Math.max(v.getLastToken(), next.getToken())).build();
        videos.put(v.getVideoId(), leased.toByteArray());
        return leased;
    }

    private static boolean free(Video v, long now) {
        return !v.getAnnotated() && liveLease(v, now) == null;
    }

    private static Lease liveLease(Video v, long now) {
        return v.hasLease() && v.getLease().getExpiresMs() > now ? v.getLease() : null;
    }

    private static Video live(Video v, long now) {
        return v.hasLease() && liveLease(v, now) == null ? v.toBuilder().clearLease().build() : v;
    }

    private Optional<Video> read(String videoId) {
        byte[] bytes = videos.get(videoId);
        return bytes == null ? Optional.empty() : Optional.of(parse(bytes));
    }

    private static Video parse(byte[] bytes) {
        try {
            return Video.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt annotation video record", e);
        }
    }

    private static CommitResponse parseCommit(byte[] bytes) {
        try {
            return CommitResponse.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt annotation record", e);
        }
    }

    private static FabricException unknown(String videoId) {
        return FabricException.notFound("VIDEO_NOT_FOUND", "Video not found");
    }

    private FabricException conflict(String reason, String message) {
        metrics.refused(reason);
        return new FabricException(FabricException.Kind.ALREADY_EXISTS, reason, message);
    }

    /**
     * {@code body} in one pessimistic transaction, run again from the start when the grid aborts it for a transient
     * reason (deadlock detected, lock timeout, topology change); domain refusals propagate after the rollback.
     */
    private <T> T inTx(Supplier<T> body) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ, TX_TIMEOUT_MS, 0)) {
                T result = body.get();
                tx.commit();
                return result;
            } catch (FabricException | ForbiddenException e) {
                throw e;
            } catch (RuntimeException e) {
                if (attempt >= MAX_ATTEMPTS || !transientFailure(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean transientFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.ignite.transactions.TransactionException
                    || c instanceof org.apache.ignite.cluster.ClusterTopologyException) {
                return true;
            }
        }
        return false;
    }

    /** A caller who may not do this (FabricException has no PERMISSION_DENIED kind). */
    public static final class ForbiddenException extends RuntimeException {
        ForbiddenException(String message) {
            super(message, null, false, false);
        }
    }
}
