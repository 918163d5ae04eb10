package io.framegrid.gpunode.framecache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gpunode.media.FrameCache;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decoded frames shared by every node: a size-capped, LRU-evicted grid cache (the {@code cache} data
 * region) fronted by a per-node Caffeine near cache bounded by bytes. A frame is stored in parts of at
 * most {@link #PART_BYTES} so that no grid entry outgrows the region's page-eviction pool; a frame with
 * any part evicted is simply a miss.
 */
public final class GridFrameCache implements FrameCache {
    static final int PART_BYTES = 256 * 1024;
    /**
     * Frame bytes this node may be writing into the grid at once. The grid region evicts page by page as entries
     * arrive; several tasks writing megabyte frames together could outrun it, and a region out of pages stops the
     * node. A put that would pass this budget is skipped instead: the frame is still cached near, and a grid miss
     * only costs a decode.
     */
    static final int MAX_IN_FLIGHT_BYTES = 8 << 20;
    private static final int HEADER = 20;
    public static final String BGR = "bgr";

    private final IgniteCache<String, byte[]> grid;
    private final Cache<String, FramePixels> near;
    private final Counter requests;
    private final Counter evictions;
    private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT_BYTES);

    public GridFrameCache(Ignite ignite, long nearMaxBytes, PrometheusRegistry registry) {
        this.grid = ignite.cache(CacheNames.FRAMES);
        this.requests = Counter.builder().name("framegrid_frame_cache_requests_total")
                .help("Frame cache lookups by level (near = this node's heap, grid = the cluster) and result")
                .labelNames("level", "result").register(registry);
        this.evictions = Counter.builder().name("framegrid_frame_cache_evictions_total")
                .help("Frames evicted from this node's near cache to stay under its byte budget")
                .register(registry);
        this.near = Caffeine.newBuilder()
                .maximumWeight(nearMaxBytes)
                .weigher((String k, FramePixels v) -> (int) Math.min(Integer.MAX_VALUE, v.weight()))
                .removalListener((String k, FramePixels v, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.inc();
                    }
                })
                .executor(Runnable::run)
                .build();
    }

    /** The frame, from this node's heap, else from the grid (then kept near), else empty. */
    public Optional<FramePixels> get(FrameKey key) {
        FramePixels local = near.getIfPresent(key.id());
        if (local != null) {
            requests.labelValues("near", "hit").inc();
            return Optional.of(local);
        }
        requests.labelValues("near", "miss").inc();
        byte[] first = grid.get(key.part(0));
        if (first == null) {
            requests.labelValues("grid", "miss").inc();
            return Optional.empty();
        }
        ByteBuffer header = ByteBuffer.wrap(first, 0, HEADER);
        int rows = header.getInt();
        int cols = header.getInt();
        int type = header.getInt();
        int length = header.getInt();
        int parts = header.getInt();
        byte[] data = new byte[length];
        int firstLength = first.length - HEADER;
        System.arraycopy(first, HEADER, data, 0, firstLength);
        if (parts > 1) {
            Set<String> keys = new LinkedHashSet<>();
            for (int p = 1; p < parts; p++) {
                keys.add(key.part(p));
            }
            Map<String, byte[]> rest = grid.getAll(keys);
            int offset = firstLength;
            for (String k : keys) {
                byte[] part = rest.get(k);
                if (part == null) {
                    requests.labelValues("grid", "miss").inc();
                    return Optional.empty();
                }
                System.arraycopy(part, 0, data, offset, part.length);
                offset += part.length;
            }
        }
        requests.labelValues("grid", "hit").inc();
        FramePixels pixels = new FramePixels(rows, cols, type, data);
        near.put(key.id(), pixels);
        return Optional.of(pixels);
    }

    /** Stores the frame near and in the grid; the caller must not change {@code pixels.data()} afterwards. */
    public void put(FrameKey key, FramePixels pixels) {
        near.put(key.id(), pixels);
        byte[] data = pixels.data();
        int firstLength = Math.min(data.length, PART_BYTES - HEADER);
        int parts = 1 + (int) Math.ceil((data.length - firstLength) / (double) PART_BYTES);
        ByteBuffer first = ByteBuffer.allocate(HEADER + firstLength);
        first.putInt(pixels.rows()).putInt(pixels.cols()).putInt(pixels.type()).putInt(data.length).putInt(parts)
                .put(data, 0, firstLength);
        Map<String, byte[]> entries = new java.util.TreeMap<>();
        entries.put(key.part(0), first.array());
        int offset = firstLength;
        for (int p = 1; p < parts; p++) {
            int len = Math.min(PART_BYTES, data.length - offset);
            byte[] part = new byte[len];
            System.arraycopy(data, offset, part, 0, len);
            entries.put(key.part(p), part);
            offset += len;
        }
        int bytes = Math.min(MAX_IN_FLIGHT_BYTES, data.length);
        if (!inFlight.tryAcquire(bytes)) {
            requests.labelValues("grid", "put_skipped").inc();
            return;
        }
        try {
            grid.putAll(entries);
        } finally {
            inFlight.release(bytes);
        }
    }

    /** Bytes held by this node's near cache now. */
    public long nearWeight() {
        return near.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long nearEvictions() {
        return (long) evictions.get();
    }

    /** Grid entries (frame parts) cluster-wide. */
    public long gridEntries() {
        return grid.sizeLong();
    }

    // ---- the engine's FrameCache (media key = media id, variant bgr) -----------------------------

    @Override
    public Optional<Mat> get(String mediaKey, long frameIndex) {
        return get(new FrameKey(mediaKey, frameIndex, BGR)).map(p -> {
            Mat mat = new Mat(p.rows(), p.cols(), p.type());
            mat.data().put(p.data());
            return mat;
        });
    }

    @Override
    public void put(String mediaKey, long frameIndex, Mat bgr) {
        Mat continuous = bgr.isContinuous() ? bgr : bgr.clone();
        byte[] data = new byte[(int) (continuous.total() * continuous.elemSize())];
        BytePointer ptr = continuous.data();
        ptr.get(data);
        put(new FrameKey(mediaKey, frameIndex, BGR), new FramePixels(bgr.rows(), bgr.cols(), bgr.type(), data));
    }

    static List<String> partKeys(FrameKey key, int parts) {
        List<String> keys = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            keys.add(key.part(p));
        }
        return keys;
    }
}
