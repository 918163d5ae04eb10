package io.framegrid.coordinator.detection;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookDelivery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.lang.IgniteBiPredicate;

/** E's webhooks and their deliveries in the grid; a user has a handful of webhooks, so reads scan. */
final class WebhookStore {
    private final IgniteCache<String, byte[]> webhooks;
    private final IgniteCache<String, byte[]> deliveries;

    WebhookStore(Ignite ignite) {
        this.webhooks = ignite.cache(CacheNames.DETECTION_WEBHOOKS);
        this.deliveries = ignite.cache(CacheNames.DETECTION_WEBHOOK_DELIVERIES);
    }

    void put(Webhook w) {
        webhooks.put(w.getWebhookId(), w.toByteArray());
    }

    Optional<Webhook> get(String id) {
        byte[] b = webhooks.get(id);
        return b == null ? Optional.empty() : Optional.of(parseWebhook(b));
    }

    boolean remove(String id) {
        return webhooks.remove(id);
    }

    /** The owner's webhooks, oldest first. */
    List<Webhook> of(String ownerId) {
        List<Webhook> out = new ArrayList<>();
        try (var cursor = webhooks.query(new ScanQuery<>(new Owned(ownerId, true)))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                out.add(parseWebhook(e.getValue()));
            }
        }
        out.sort(Comparator.comparingLong(Webhook::getCreatedMs).thenComparing(Webhook::getWebhookId));
        return out;
    }

    /** Claims a delivery: true for the one caller that created it. */
    boolean claim(WebhookDelivery d) {
        return deliveries.putIfAbsent(d.getDeliveryId(), d.toByteArray());
    }

    void update(WebhookDelivery d) {
        deliveries.put(d.getDeliveryId(), d.toByteArray());
    }

    /** One webhook's deliveries, newest first. */
    List<WebhookDelivery> deliveries(String webhookId) {
        List<WebhookDelivery> out = new ArrayList<>();
        try (var cursor = deliveries.query(new ScanQuery<>(new Owned(webhookId, false)))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                out.add(parseDelivery(e.getValue()));
            }
        }
        out.sort(Comparator.comparingLong(WebhookDelivery::getCreatedMs).reversed()
                .thenComparing(WebhookDelivery::getDeliveryId));
        return out;
    }

    private static Webhook parseWebhook(byte[] b) {
        try {
            return Webhook.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable webhook", e);
        }
    }

    private static WebhookDelivery parseDelivery(byte[] b) {
        try {
            return WebhookDelivery.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable webhook delivery", e);
        }
    }

    /** Scan filter run on the data nodes: webhooks of an owner, or deliveries of a webhook. */
    static final class Owned implements IgniteBiPredicate<String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final String id;
        private final boolean webhooksByOwner;

        Owned(String id, boolean webhooksByOwner) {
            this.id = id;
            this.webhooksByOwner = webhooksByOwner;
        }

        @Override
        public boolean apply(String key, byte[] value) {
            return webhooksByOwner ? parseWebhook(value).getOwnerId().equals(id)
                    : parseDelivery(value).getWebhookId().equals(id);
        }
    }
}
