package io.framegrid.gateway.annotation;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.sdk.FramegridClient;
import java.time.Duration;
import java.util.List;

/** Surface A's data and annotation routes: video and CSV uploads, geolocation, locks and commits. */
public final class AnnotationRoutes implements SurfaceRoutes {
    /** A commit of {@code AnnotationLedger.MAX_ANNOTATIONS} rows fits; the default JSON cap would not. */
    private static final int MAX_COMMIT_BYTES = 32 << 20;

    private final AnnotationUploads uploads;
    private final AnnotationDataRoutes data;
    private final AnnotationLockRoutes locks;
    private final AnnotationSyncRoutes sync;
    private final AnnotationPoolRoutes pool;
    private final AnnotationInferenceRoutes inference;
    private final AnnotationPageRoutes page;
    private final AnnotationSettings settings;

    public AnnotationRoutes(FramegridClient client, AnnotationSettings settings) {
        this.settings = settings;
        this.uploads = new AnnotationUploads(client, settings);
        this.data = new AnnotationDataRoutes(client);
        this.locks = new AnnotationLockRoutes(client, settings.lockTtl());
        this.sync = new AnnotationSyncRoutes(client);
        this.pool = new AnnotationPoolRoutes(client);
        this.inference = new AnnotationInferenceRoutes(client, settings.inferenceTimeout());
        this.page = new AnnotationPageRoutes(client);
    }

    @Override
    public Surface surface() {
        return AnnotationSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        // Unlimited here so the upload answers size errors in its own words (declared length, then counted).
        endpoints.annotated(sb).maxRequestLength(0).requestTimeout(Duration.ofMinutes(30)).build(uploads);
        endpoints.annotated(sb).maxRequestLength((long) settings.maxCsvMb() << 20).build(data);
        endpoints.annotated(sb).maxRequestLength(MAX_COMMIT_BYTES).build(locks);
        // Button TXT and timestamp arrays are capped like the CSV.
        endpoints.annotated(sb).maxRequestLength((long) settings.maxCsvMb() << 20).build(sync);
        endpoints.annotated(sb).build(pool);
        endpoints.annotated(sb).requestTimeout(settings.inferenceTimeout().plusSeconds(30)).build(inference);
        // Playback streams for as long as the viewer watches.
        endpoints.annotated(sb).requestTimeout(Duration.ZERO).build(page);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(uploads), Documented.of(data), Documented.of(locks), Documented.of(sync),
                Documented.of(pool), Documented.of(inference), Documented.of(page));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        HttpHeaders bearer = HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi...");
        docs.exampleRequests(AnnotationLockRoutes.class, "commit",
                        "{\"annotations\":[{\"timestamp\":0,\"speed\":12.5,\"button_state\":0},"
                                + "{\"timestamp\":100,\"speed\":12.7,\"button_state\":1}],\"lock_token\":\"1\"}")
                .exampleHeaders(AnnotationLockRoutes.class, bearer)
                .exampleHeaders(AnnotationDataRoutes.class, bearer)
                .exampleHeaders(AnnotationUploads.class, bearer)
                .exampleRequests(AnnotationSyncRoutes.class, "shiftVideo", "{\"timestamp_offset\":1.5}")
                .exampleRequests(AnnotationSyncRoutes.class, "addVideoTimestamp", "{\"video_id\":\"...\","
                        + "\"video_data_with_timestamps\":[{\"timestamp\":0,\"video_segment\":\"0-12.5\"}]}")
                .exampleHeaders(AnnotationSyncRoutes.class, bearer)
                .exampleHeaders(AnnotationPoolRoutes.class, bearer)
                .exampleRequests(AnnotationInferenceRoutes.class, "run", "{\"video_id\":\"...\"}")
                .exampleHeaders(AnnotationInferenceRoutes.class, bearer);
    }
}
