package io.framegrid.coordinator.identity;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.framegrid.fabric.grid.CacheNames;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryProcessor;

/**
 * Cluster-wide request windows and concurrent-permit leases in {@link CacheNames#QUOTAS}. Every update is an entry
 * processor run on the key's primary node, so concurrent callers on any coordinator (serving any gateway) see one
 * count. Entries expire on their own once idle, so keys nobody uses again do not accumulate.
 */
public final class QuotaLedger {
    private final IgniteCache<String, Object> quotas;
    private final Clock clock;
    /**
     * Cache views with an expiry of so many milliseconds: a request counts on every call, and a new view per call
     * (a proxy and its policy) was a tenth of a count's cost. Windows and TTLs are a few configured values; the
     * bound keeps callers that send arbitrary ones from growing the map.
     */
    private final LoadingCache<Long, IgniteCache<String, Object>> expiringViews;

    public QuotaLedger(Ignite ignite, Clock clock) {
        this.quotas = ignite.cache(CacheNames.QUOTAS);
        this.clock = clock;
        this.expiringViews = Caffeine.newBuilder().maximumSize(64).build(millis -> quotas.withExpiryPolicy(
                new ModifiedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, millis))));
    }

    /** The outcome of counting one request. */
    public record Decision(boolean allowed, long limit, long remaining, long resetEpochSeconds) {}

    /** The outcome of asking for a permit; {@code expiresAtMillis} is 0 unless granted. */
    public record Lease(boolean granted, int inUse, int limit, long expiresAtMillis) {}

    /** Counts one request of {@code subject} in a fixed window opened by its first request; refused ones are not counted. */
    public Decision consume(String bucket, String subject, long windowMillis, long limit) {
        long[] r = expiring(windowMillis).invoke("w|" + bucket + "|" + subject,
                new Consume(clock.millis(), windowMillis, limit));
        return new Decision(r[0] == 1, limit, r[1], (r[2] + 999) / 1000);
    }

    /** Leases permit {@code leaseId} when fewer than {@code limit} unexpired leases of {@code subject} exist. */
    public Lease acquire(String bucket, String subject, String leaseId, int limit, long ttlMillis) {
        long[] r = expiring(ttlMillis).invoke(permitKey(bucket, subject),
                new PutLease(clock.millis(), ttlMillis, limit, leaseId, false));
        return new Lease(r[0] == 1, (int) r[1], limit, r[2]);
    }

    /** Extends a live lease; not granted when it expired or was released meanwhile. */
    public Lease renew(String bucket, String subject, String leaseId, long ttlMillis) {
        long[] r = expiring(ttlMillis).invoke(permitKey(bucket, subject),
                new PutLease(clock.millis(), ttlMillis, Integer.MAX_VALUE, leaseId, true));
        return new Lease(r[0] == 1, (int) r[1], 0, r[2]);
    }

    public boolean release(String bucket, String subject, String leaseId) {
        return quotas.invoke(permitKey(bucket, subject), new Release(clock.millis(), leaseId));
    }

    private static String permitKey(String bucket, String subject) {
        return "p|" + bucket + "|" + subject;
    }

    /** The entry lives as long as the longest window or lease last written to it. */
    private IgniteCache<String, Object> expiring(long millis) {
        return expiringViews.get(millis);
    }

    /** Value: {@code long[]{windowStartMillis, count}}. Returns {@code {allowed, remaining, resetMillis}}. */
    static final class Consume implements CacheEntryProcessor<String, Object, long[]> {
        private static final long serialVersionUID = 1L;
        private final long now;
        private final long windowMillis;
        private final long limit;

        Consume(long now, long windowMillis, long limit) {
            this.now = now;
            this.windowMillis = windowMillis;
            this.limit = limit;
        }

        @Override
        public long[] process(MutableEntry<String, Object> entry, Object... args) {
            long[] w = entry.getValue() instanceof long[] existing && now < existing[0] + windowMillis
                    ? existing.clone() : new long[] {now, 0};
            boolean allowed = w[1] < limit;
            if (allowed) {
                w[1]++;
            }
            entry.setValue(w);
            return new long[] {allowed ? 1 : 0, Math.max(0, limit - w[1]), w[0] + windowMillis};
        }
    }

    /**
     * Value: lease id → expiry millis. Grants (or extends) {@code leaseId} for {@code ttlMillis}: a renewal only when
     * the lease is still live, a new lease only while fewer than {@code limit} are. Returns
     * {@code {granted, inUse, expiresAt}}.
     */
    static final class PutLease implements CacheEntryProcessor<String, Object, long[]> {
        private static final long serialVersionUID = 1L;
        private final long now;
        private final long ttlMillis;
        private final int limit;
        private final String leaseId;
        private final boolean renewal;

        PutLease(long now, long ttlMillis, int limit, String leaseId, boolean renewal) {
            this.now = now;
            this.ttlMillis = ttlMillis;
            this.limit = limit;
            this.leaseId = leaseId;
            this.renewal = renewal;
        }

        @Override
        public long[] process(MutableEntry<String, Object> entry, Object... args) {
            Map<String, Long> leases = live(entry.getValue(), now);
            boolean granted = renewal ? leases.containsKey(leaseId) : leases.size() < limit;
            if (granted) {
                leases.put(leaseId, now + ttlMillis);
            }
            store(entry, leases);
            return new long[] {granted ? 1 : 0, leases.size(), granted ? now + ttlMillis : 0};
        }
    }

    static final class Release implements CacheEntryProcessor<String, Object, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long now;
        private final String leaseId;

        Release(long now, String leaseId) {
            this.now = now;
            this.leaseId = leaseId;
        }

        @Override
        public Boolean process(MutableEntry<String, Object> entry, Object... args) {
            Map<String, Long> leases = live(entry.getValue(), now);
            boolean released = leases.remove(leaseId) != null;
            store(entry, leases);
            return released;
        }
    }

    /** A mutable copy of the unexpired leases: an expired lease is a permit given back by a holder that vanished. */
    @SuppressWarnings("unchecked")
    private static Map<String, Long> live(Object value, long now) {
        Map<String, Long> leases = new HashMap<>();
        if (value instanceof Map<?, ?> existing) {
            ((Map<String, Long>) existing).forEach((id, expiry) -> {
                if (expiry > now) {
                    leases.put(id, expiry);
                }
            });
        }
        return leases;
    }

    private static void store(MutableEntry<String, Object> entry, Map<String, Long> leases) {
        if (leases.isEmpty()) {
            if (entry.exists()) {
                entry.remove();
            }
        } else {
            entry.setValue(leases);
        }
    }
}
