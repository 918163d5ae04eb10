package io.framegrid.coordinator.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookDelivery;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code detection.completed} to the owner's webhooks when a detection's record lands in history. Every
 * coordinator sees every record (a continuous query); the delivery record is created with {@code putIfAbsent}, so one
 * coordinator delivers each event once. A delivery is retried on any non-2xx answer or no answer, after
 * {@code backoff}, then twice that, and so on, up to {@code maxAttempts}; each attempt's outcome is stored. A delivery
 * whose coordinator stops between attempts is not resumed (it stays {@code pending} in the list).
 */
final class WebhookDispatcher implements AutoCloseable {
    static final String EVENT = "detection.completed";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final WebhookStore store;
    private final WebhookTransport transport;
    private final Clock clock;
    private final int maxAttempts;
    private final Duration backoff;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "detection-webhooks");
        t.setDaemon(true);
        return t;
    });
    private final QueryCursor<?> cursor;
    private final QueryCursor<Cache.Entry<String, byte[]>> owners;
    /** Webhook id → owner id of every webhook, kept current by a continuous query: most records need no scan. */
    private final Map<String, String> ownerOf = new ConcurrentHashMap<>();

    WebhookDispatcher(Ignite ignite, WebhookStore store, WebhookTransport transport, Clock clock, int maxAttempts,
            Duration backoff) {
        this.store = store;
        this.transport = transport;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        ContinuousQuery<String, byte[]> hooks = new ContinuousQuery<>();
        hooks.setInitialQuery(new ScanQuery<>());
        hooks.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED) {
                    ownerOf.remove(e.getKey());
                } else if (e.getValue() != null) {
                    ownerOf.put(e.getKey(), owner(e.getValue()));
                }
            }
        });
        this.owners = ignite.<String, byte[]>cache(CacheNames.DETECTION_WEBHOOKS).query(hooks);
        for (Cache.Entry<String, byte[]> e : owners) {
            ownerOf.put(e.getKey(), owner(e.getValue()));
        }
        IgniteCache<String, byte[]> history = ignite.cache(CacheNames.DETECTION_HISTORY);
        ContinuousQuery<String, byte[]> query = new ContinuousQuery<>();
        query.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getEventType() == EventType.REMOVED || e.getValue() == null) {
                    continue;
                }
                byte[] value = e.getValue();
                // Off Ignite's notification thread: what follows reads caches and talks to the network.
                executor.execute(() -> completed(value));
            }
        });
        this.cursor = history.query(query);
    }

    /**
     * A webhook this coordinator just stored: known at once, not only when the continuous query's event arrives, so
     * a detection completing right after the registration is not skipped (here, at least).
     */
    void registered(Webhook w) {
        ownerOf.put(w.getWebhookId(), w.getOwnerId());
    }

    private void completed(byte[] value) {
        try {
            DetectionRecord record = DetectionRecord.parseFrom(value);
            if (!ownerOf.containsValue(record.getOwnerId())) {
                return;
            }
            for (Webhook w : store.of(record.getOwnerId())) {
                long now = clock.millis();
                WebhookDelivery d = WebhookDelivery.newBuilder().setDeliveryId(record.getDetectionId() + ":"
                                + w.getWebhookId()).setWebhookId(w.getWebhookId()).setOwnerId(w.getOwnerId())
                        .setEvent(EVENT).setDetectionId(record.getDetectionId()).setOutcome("pending")
                        .setCreatedMs(now).setUpdatedMs(now).setNextAttemptMs(now).build();
                if (store.claim(d)) {
                    attempt(d, w, payload(d, record));
                }
            }
        } catch (Exception e) {
            LOG.warn("Webhook dispatch failed: {}", e.toString());
        }
    }

    private void attempt(WebhookDelivery d, Webhook w, byte[] body) {
        long now = clock.millis();
        Map<String, String> headers = Map.of("Content-Type", "application/json", "User-Agent", "framegrid-webhooks",
                "X-Framegrid-Event", EVENT, "X-Framegrid-Delivery", d.getDeliveryId(),
                WebhookSignature.HEADER, WebhookSignature.header(w.getSecret(), now / 1000, body));
        transport.post(URI.create(w.getUrl()), body, headers).whenCompleteAsync((status, t) -> {
            WebhookDelivery.Builder next = d.toBuilder().setAttempts(d.getAttempts() + 1).setUpdatedMs(clock.millis());
            if (t == null && status >= 200 && status < 300) {
                store.update(next.setOutcome("delivered").setLastStatus(status).setLastError("").setNextAttemptMs(0)
                        .build());
                return;
            }
            next.setLastStatus(t == null ? status : 0)
                    .setLastError(t == null ? "HTTP " + status : String.valueOf(rootMessage(t)));
            if (next.getAttempts() >= maxAttempts) {
                store.update(next.setOutcome("failed").setNextAttemptMs(0).build());
                return;
            }
            long delay = backoff.toMillis() << Math.min(20, next.getAttempts() - 1);
            WebhookDelivery pending = next.setNextAttemptMs(clock.millis() + delay).build();
            store.update(pending);
            executor.schedule(() -> attempt(pending, w, body), delay, TimeUnit.MILLISECONDS);
        }, executor);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /** The delivery's JSON body; the objects as the results route shows them. */
    static byte[] payload(WebhookDelivery d, DetectionRecord r) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"event\":\"").append(EVENT).append("\",\"delivery_id\":").append(quote(d.getDeliveryId()))
                .append(",\"created_at\":\"").append(Instant.ofEpochMilli(d.getCreatedMs())).append("\",\"data\":{")
                .append("\"detection_id\":").append(quote(r.getDetectionId()))
                .append(",\"timestamp\":\"").append(Instant.ofEpochMilli(r.getCreatedMs())).append('"')
                .append(",\"model_id\":").append(quote(r.getModelId()))
                .append(",\"image_width\":").append(r.getImageWidth())
                .append(",\"image_height\":").append(r.getImageHeight()).append(",\"results\":[");
        for (int i = 0; i < r.getObjectsCount(); i++) {
            DetectedObject o = r.getObjects(i);
            json.append(i == 0 ? "" : ",").append("{\"class\":").append(quote(o.getClassName()))
                    .append(",\"confidence\":").append(String.format(Locale.ROOT, "%.4f", o.getConfidence()))
                    .append(",\"bbox\":[").append(o.getX()).append(',').append(o.getY()).append(',')
                    .append(o.getWidth()).append(',').append(o.getHeight()).append("]}");
        }
        return json.append("]}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static String owner(byte[] webhook) {
        try {
            return Webhook.parseFrom(webhook).getOwnerId();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return "";
        }
    }

    @Override
    public void close() {
        cursor.close();
        owners.close();
        executor.shutdownNow();
    }
}
