package io.framegrid.coordinator.detection;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.v1.ClassCount;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.HistoryEntry;
import io.framegrid.proto.detection.v1.HistoryPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.lang.IgniteClosure;

/**
 * Reads product E's history ({@code fg_detection_history}, written by the gpu-nodes that ran the detections). A read
 * scans the cache on the data nodes, which send back only the id and time of the caller's records in the range; the
 * records themselves are fetched a page at a time, so an export of 100,000 detections holds their ids, never them.
 */
final class DetectionHistory {
    /** Records fetched per grid round trip when exporting. */
    static final int EXPORT_PAGE = 200;

    private final IgniteCache<String, byte[]> records;

    DetectionHistory(Ignite ignite) {
        this.records = ignite.cache(CacheNames.DETECTION_HISTORY);
    }

    /** The caller's records with {@code fromMs <= created < untilMs} (0 = unbounded), newest first. */
    HistoryPage page(String ownerId, long fromMs, long untilMs, int limit, int offset) {
        List<Key> keys = keys(ownerId, fromMs, untilMs);
        List<String> ids = keys.subList(Math.min(offset, keys.size()), Math.min(offset + limit, keys.size()))
                .stream().map(Key::id).toList();
        Map<String, byte[]> found = records.getAll(new LinkedHashSet<>(ids));
        HistoryPage.Builder page = HistoryPage.newBuilder().setTotal(keys.size());
        for (String id : ids) {
            byte[] bytes = found.get(id);
            if (bytes != null) {
                page.addEntries(entry(parse(bytes)));
            }
        }
        return page.build();
    }

    /** Every record of the caller in the range, newest first, one page of {@link #EXPORT_PAGE} per element. */
    Iterator<List<DetectionRecord>> export(String ownerId, long fromMs, long untilMs) {
        List<Key> keys = keys(ownerId, fromMs, untilMs);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < keys.size();
            }

            @Override
            public List<DetectionRecord> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<String> ids = keys.subList(next, Math.min(next + EXPORT_PAGE, keys.size())).stream()
                        .map(Key::id).toList();
                next += ids.size();
                Map<String, byte[]> found = records.getAll(new LinkedHashSet<>(ids));
                List<DetectionRecord> page = new ArrayList<>(ids.size());
                for (String id : ids) {
                    byte[] bytes = found.get(id);
                    if (bytes != null) {
                        page.add(parse(bytes));
                    }
                }
                return page;
            }
        };
    }

    /** Counts per class, most frequent first, ties by name. */
    static HistoryEntry entry(DetectionRecord r) {
        Map<String, Integer> counts = new TreeMap<>();
        for (DetectedObject o : r.getObjectsList()) {
            counts.merge(o.getClassName(), 1, Integer::sum);
        }
        HistoryEntry.Builder e = HistoryEntry.newBuilder().setDetectionId(r.getDetectionId())
                .setCreatedMs(r.getCreatedMs());
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(c -> e.addCounts(ClassCount.newBuilder().setClassName(c.getKey()).setCount(c.getValue())));
        return e.build();
    }

    private List<Key> keys(String ownerId, long fromMs, long untilMs) {
        List<Key> keys = new ArrayList<>();
        ScanQuery<String, byte[]> scan = new ScanQuery<>(new InRange(ownerId, fromMs, untilMs));
        scan.setPageSize(4096);
        try (var cursor = records.query(scan, new ToKey())) {
            cursor.forEach(keys::add);
        }
        keys.sort(Comparator.comparingLong(Key::createdMs).reversed().thenComparing(Key::id));
        return keys;
    }

    private static DetectionRecord parse(byte[] bytes) {
        try {
            return DetectionRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable detection record", e);
        }
    }

    /** What the data nodes send back per matching record. */
    record Key(String id, long createdMs) implements java.io.Serializable {
    }

    /** Scan filter run on the data nodes: the owner's records created in [from, until). */
    static final class InRange implements IgniteBiPredicate<String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final String ownerId;
        private final long fromMs;
        private final long untilMs;

        InRange(String ownerId, long fromMs, long untilMs) {
            this.ownerId = ownerId;
            this.fromMs = fromMs;
            this.untilMs = untilMs;
        }

        @Override
        public boolean apply(String id, byte[] bytes) {
            DetectionRecord r = parse(bytes);
            return r.getOwnerId().equals(ownerId) && (fromMs <= 0 || r.getCreatedMs() >= fromMs)
                    && (untilMs <= 0 || r.getCreatedMs() < untilMs);
        }
    }

    /** Transformer run on the data nodes: a matching entry's id and time. */
    static final class ToKey implements IgniteClosure<javax.cache.Cache.Entry<String, byte[]>, Key> {
        private static final long serialVersionUID = 1L;

        @Override
        public Key apply(javax.cache.Cache.Entry<String, byte[]> e) {
            return new Key(e.getKey(), parse(e.getValue()).getCreatedMs());
        }
    }
}
