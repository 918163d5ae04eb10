package io.framegrid.fabric.grid;

import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.PartitionLossPolicy;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.configuration.CacheConfiguration;

/**
 * Every cache of the grid, defined in one place so all nodes agree on modes and regions.
 *
 * <p>Durable caches sit in the persistent region; caches that can be rebuilt (frames, heartbeats)
 * go to the size-capped in-memory region where LRU eviction is allowed.
 */
public final class CacheCatalog {
    public static final String DURABLE_REGION = "durable";
    public static final String CACHE_REGION = "cache";

    private final int backups;
    private final List<CacheConfiguration<?, ?>> extra = new ArrayList<>();

    public CacheCatalog(int backups) {
        this.backups = backups;
    }

    /** Lets a domain module contribute caches of its own before the grid starts. */
    public CacheCatalog add(CacheConfiguration<?, ?> configuration) {
        extra.add(configuration);
        return this;
    }

    public List<CacheConfiguration<?, ?>> all() {
        List<CacheConfiguration<?, ?>> all = new ArrayList<>();
        // Identity writes touch several caches at once (user + unique indexes), hence transactional.
        all.add(durableTransactional(CacheNames.USERS));
        all.add(durableTransactional(CacheNames.USER_EMAILS));
        all.add(durableTransactional(CacheNames.USER_NAMES));
        all.add(durableTransactional(CacheNames.USER_NUMERIC_IDS));
        all.add(durableTransactional(CacheNames.API_KEYS));
        all.add(durableTransactional(CacheNames.REFRESH_TOKENS));
        all.add(durableTransactional(CacheNames.REFRESH_FAMILIES));
        all.add(durableTransactional(CacheNames.CLUSTER_SECRETS));
        all.add(durableTransactional(CacheNames.COUNTERS));
        // Jobs, their open tasks, outputs, admission state and logs change together in one transaction.
        all.add(durableTransactional(CacheNames.JOBS));
        all.add(durableTransactional(CacheNames.TASKS));
        all.add(durableTransactional(CacheNames.TASK_OUTPUTS));
        all.add(durableTransactional(CacheNames.USER_JOBS));
        all.add(durableTransactional(CacheNames.JOB_LOGS));
        all.add(durableAtomic(CacheNames.NODES));
        // Quota windows and permit leases: one key per caller and bucket, updated by entry processors.
        all.add(durableAtomic(CacheNames.QUOTAS));
        all.add(durableTransactional(CacheNames.MEDIA));
        all.add(durableTransactional(CacheNames.UPLOADS));
        // Product A's pool, annotations and telemetry: thousands of records, not millions. Fewer partitions keep what
        // every join, leave and graceful stop must exchange and rebalance small.
        all.add(durableTransactional(CacheNames.ANNOTATION_VIDEOS).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.ANNOTATIONS).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.ANNOTATION_TELEMETRY).setAffinity(productAffinity()));
        // Product B's charges, purchases and refill months change with the user record and the job in one transaction.
        all.add(durableTransactional(CacheNames.STUDIO_CHARGES).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.STUDIO_PURCHASES).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.STUDIO_ACCOUNTS).setAffinity(productAffinity()));
        // Product E: settings change read-modify-write (transactional); history records are single puts.
        all.add(durableTransactional(CacheNames.DETECTION_SETTINGS).setAffinity(productAffinity()));
        all.add(durableAtomic(CacheNames.DETECTION_HISTORY).setAffinity(productAffinity()));
        all.add(durableAtomic(CacheNames.DETECTION_WEBHOOKS).setAffinity(productAffinity()));
        all.add(durableAtomic(CacheNames.DETECTION_WEBHOOK_DELIVERIES).setAffinity(productAffinity()));
        all.add(durableAtomic(CacheNames.DETECTION_MODELS).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.ANNOTATION_SYNC).setAffinity(productAffinity()));
        all.add(durableTransactional(CacheNames.ANNOTATION_MODELS).setAffinity(productAffinity()));
        // Product D's projects: a few per user, created with ids from the durable counters in the same transaction.
        all.add(durableTransactional(CacheNames.RECONSTRUCTION_PROJECTS).setAffinity(productAffinity()));
        all.add(evictable(CacheNames.FRAMES).setStatisticsEnabled(true));
        all.addAll(extra);
        return all;
    }

    /** Affinity of a product's small durable caches: 128 partitions instead of Ignite's 1,024. */
    private static RendezvousAffinityFunction productAffinity() {
        return new RendezvousAffinityFunction(false, 128);
    }

    /** A partitioned, backed-up, persistent cache with ACID transactions. */
    public <K, V> CacheConfiguration<K, V> durableTransactional(String name) {
        return new CacheConfiguration<K, V>(name)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(backups)
                .setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setPartitionLossPolicy(PartitionLossPolicy.READ_WRITE_SAFE)
                .setDataRegionName(DURABLE_REGION);
    }

    /** A partitioned, persistent cache for single-key atomic updates. */
    public <K, V> CacheConfiguration<K, V> durableAtomic(String name) {
        return new CacheConfiguration<K, V>(name)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(backups)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setPartitionLossPolicy(PartitionLossPolicy.READ_WRITE_SAFE)
                .setDataRegionName(DURABLE_REGION);
    }

    /** An in-memory, evictable cache in the size-capped region. */
    public <K, V> CacheConfiguration<K, V> evictable(String name) {
        return new CacheConfiguration<K, V>(name)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(0)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setDataRegionName(CACHE_REGION);
    }
}
