package io.framegrid.coordinator.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Per-user detection settings in {@code fg_detection_settings}. An update reads, merges and writes in one pessimistic
 * transaction, so two concurrent partial updates of one user both land (neither overwrites the other's field).
 */
final class DetectionSettingsStore {
    private static final long TX_TIMEOUT_MS = 5_000;

    private final Ignite ignite;
    private final IgniteCache<String, byte[]> settings;

    DetectionSettingsStore(Ignite ignite) {
        this.ignite = ignite;
        this.settings = ignite.cache(CacheNames.DETECTION_SETTINGS);
    }

    /** {@code userId}'s settings, or the defaults. */
    DetectionSettings get(String userId) {
        return parse(settings.get(userId));
    }

    /** Applies the fields {@code update} sets; IllegalArgumentException (nothing written) when the result is invalid. */
    DetectionSettings update(String userId, SettingsUpdate update) {
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ, TX_TIMEOUT_MS, 0)) {
            DetectionSettings.Builder next = parse(settings.get(userId)).toBuilder();
            if (update.hasConfidenceThreshold()) {
                next.setConfidenceThreshold(update.getConfidenceThreshold());
            }
            if (update.hasUseGpu()) {
                next.setUseGpu(update.getUseGpu());
            }
            if (update.hasEnableMultiThreading()) {
                next.setEnableMultiThreading(update.getEnableMultiThreading());
            }
            if (update.hasModelId()) {
                next.setModelId(update.getModelId());
            }
            DetectionSettings merged = DetectionContract.validated(next.build());
            settings.put(userId, merged.toByteArray());
            tx.commit();
            return merged;
        }
    }

    private static DetectionSettings parse(byte[] bytes) {
        if (bytes == null) {
            return DetectionContract.defaultSettings();
        }
        try {
            return DetectionSettings.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable detection settings", e);
        }
    }
}
