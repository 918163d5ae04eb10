package io.framegrid.fabric.media;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes abandoned chunked uploads (and their chunks) once they expire; runs on every coordinator. */
public final class UploadJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UploadJanitor.class);

    private final MediaLibrary library;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "framegrid-upload-janitor");
        t.setDaemon(true);
        return t;
    });

    public UploadJanitor(MediaLibrary library) {
        this.library = library;
    }

    /** Sweeps every {@code interval} (expiry is checked against each upload's own deadline). */
    public UploadJanitor start(Duration interval) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                library.expireUploads();
            } catch (RuntimeException e) {
                log.warn("Upload sweep failed: {}", e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
