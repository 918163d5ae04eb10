package io.framegrid.gpunode.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.grid.ClientReconnects;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.proto.media.v1.Media;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models administrators add at run time ({@code fg_detection_models}): each one already there when the node starts,
 * and each one added later (a continuous query), is downloaded from the media store into a node-local folder, its
 * SHA-256 checked against the manifest, and added to the node's {@link ModelRegistry}; the engine loads it on first
 * use and the next heartbeat advertises it, so the coordinator routes to it and {@code GET /api/models} lists it.
 * A gpu-node that rejoins the grid after losing it reads the cache again: models added meanwhile were never pushed.
 */
final class AddedModels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AddedModels.class);

    private final MediaLibrary media;
    private final ModelRegistry registry;
    private final Path dir;
    private volatile QueryCursor<?> cursor;
    private volatile boolean closed;
    private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "detection-model-loader");
        t.setDaemon(true);
        return t;
    });

    AddedModels(MediaLibrary media, ModelRegistry registry, Path dir) {
        this.media = media;
        this.registry = registry;
        this.dir = dir;
    }

    /** Starts watching; the query lives as long as the node's grid client. */
    void start(Ignite ignite) {
        IgniteCache<String, byte[]> models = ignite.cache(CacheNames.DETECTION_MODELS);
        if (models == null) {
            // A grid whose servers predate the cache (mixed versions during an upgrade): nothing to watch yet.
            LOG.warn("No {} cache in this grid: added models are not loaded", CacheNames.DETECTION_MODELS);
            return;
        }
        watch(models);
        if (ignite.cluster().localNode().isClient()) {
            // Lives as long as the node's grid client, like the query.
            new ClientReconnects(ignite, "added detection models", nodeId -> {
                if (closed) {
                    return;
                }
                QueryCursor<?> old = cursor;
                if (old != null) {
                    old.close();
                }
                watch(models);
            });
        }
    }

    /**
     * Stops watching and deletes the node-local copies: the engine, closed after this, no longer reads them, and
     * the next start downloads whatever the grid still lists.
     */
    @Override
    public void close() {
        closed = true;
        QueryCursor<?> c = cursor;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // The grid client may already be stopping: its queries go with it.
                LOG.debug("Closing the added-models query: {}", e.toString());
            }
        }
        loader.shutdownNow();
        try {
            loader.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.nio.file.NoSuchFileException e) {
            // Nothing was downloaded.
        } catch (java.io.IOException e) {
            LOG.warn("Cannot delete the added-models folder {}: {}", dir, e.toString());
        }
    }

    private void watch(IgniteCache<String, byte[]> models) {
        ContinuousQuery<String, byte[]> query = new ContinuousQuery<>();
        query.setInitialQuery(new ScanQuery<>());
        query.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getValue() != null) {
                    byte[] value = e.getValue();
                    loader.execute(() -> load(value));
                }
            }
        });
        QueryCursor<Cache.Entry<String, byte[]>> opened = models.query(query);
        cursor = opened;
        for (Cache.Entry<String, byte[]> e : opened) {
            byte[] value = e.getValue();
            loader.execute(() -> load(value));
        }
    }

    private void load(byte[] value) {
        AddedModel m;
        try {
            m = AddedModel.parseFrom(value);
            if (registry.find(m.getModelId()).filter(f -> f.sha256().equals(m.getSha256())).isPresent()) {
                return;
            }
            Media file = media.get(m.getMediaId()).orElseThrow(() -> new IllegalStateException("file missing"));
            Files.createDirectories(dir);
            Path target = dir.resolve(m.getModelId() + ".onnx");
            Path tmp = Files.createTempFile(dir, m.getModelId(), ".part");
            MessageDigest sha = MediaLibrary.sha256();
            try (InputStream in = new DigestInputStream(media.store().open(file.getStorageKey(), 0, -1), sha);
                    OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!digest.equals(m.getSha256())) {
                Files.deleteIfExists(tmp);
                throw new IllegalStateException("downloaded file has sha256 " + digest + ", manifest says "
                        + m.getSha256());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Properties p = new Properties();
            p.setProperty("id", m.getModelId());
            p.setProperty("name", m.getName());
            p.setProperty("description", m.getDescription());
            p.setProperty("version", m.getVersion());
            p.setProperty("task", "object-detection");
            p.setProperty("runtime", "onnxruntime");
            p.setProperty("file", target.toAbsolutePath().toString());
            p.setProperty("sha256", m.getSha256());
            p.setProperty("classes", String.join(",", m.getClassesList()));
            p.setProperty("threshold", String.format(Locale.ROOT, "%s", m.getDefaultThreshold()));
            p.setProperty("input", "images [1,3," + m.getInputHeight() + "," + m.getInputWidth() + "] BGR 0-255, "
                    + m.getDecoding() + " decoding");
            p.setProperty("licence", "added by an administrator");
            p.setProperty("maxModelBatch", "1");
            if (registry.add(p).isEmpty()) {
                throw new IllegalStateException("the registry refused the manifest");
            }
            LOG.info("Added model {} ({} classes) from media {}", m.getModelId(), m.getClassesCount(), m.getMediaId());
        } catch (Exception e) {
            LOG.warn("Cannot add a detection model: {}", e.toString());
        }
    }
}
