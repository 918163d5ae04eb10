package io.framegrid.gateway.reframer;

import com.linecorp.armeria.server.AnnotatedServiceBindingBuilder;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.proto.reframer.ReframerContract;
import java.util.List;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;

/**
 * Surface C (reframer) jobs as Armeria annotated services, so the admin {@code /docs} lists them: uploads
 * ({@link ReframerUploads}, {@code POST /process}) and reads ({@link ReframerQueries}: job, results, reframed
 * video, video list). Errors render in the reframer's {@code {"detail": ...}} format through the surface's
 * {@link Endpoints#exceptionHandler()}. The API key's hourly budget (an Armeria {@code ThrottlingService} over
 * {@link ClusterLimits#requestStrategy}) and concurrent-upload cap are kept by the coordinator, so they hold across every gateway of the cluster.
 */
public final class ReframerJobRoutes implements SurfaceRoutes {
    /** How long an upload permit outlives a gateway that stopped renewing it (crashed mid-upload). */
    private static final Duration PERMIT_TTL = Duration.ofSeconds(60);

    private final ClusterLimits clusterLimits;
    private final ReframerUploads uploads;
    private final ReframerQueries queries;

    public ReframerJobRoutes(FramegridClient client, ReframerLimits limits, Clock clock) {
        this.clusterLimits = new ClusterLimits(client, ReframerContract.PRODUCT, limits.requestsPerHour(),
                Duration.ofHours(1), limits.concurrentUploads(), PERMIT_TTL, clock);
        this.uploads = new ReframerUploads(client, limits, clusterLimits);
        this.queries = new ReframerQueries(client);
    }

    @Override
    public Surface surface() {
        return ReframerSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        // Every job route counts against the key's hourly budget before it runs (401 without a known key), so a
        // refused upload is answered before a byte of its body is read.
        ThrottlingStrategy<HttpRequest> hourly = clusterLimits.requestStrategy(Credentials::apiKey);
        AnnotatedServiceBindingBuilder upload = endpoints.annotated(sb);
        // Unlimited here so the upload answers size errors in the spec's words (declared length, then counted).
        upload.maxRequestLength(0);
        upload.requestTimeout(Duration.ofMinutes(30));
        upload.decorator(endpoints.throttled(hourly)).build(uploads);
        endpoints.annotated(sb).decorator(endpoints.throttled(hourly)).build(queries);
    }

    @Override
    public List<Documented> documented() {
        return List.of(Documented.of(uploads), Documented.of(queries));
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        // Every job route is called with the key POST /register returned.
        HttpHeaders key = HttpHeaders.of("x-api-key", "vr_0123456789abcdefghijklmnopqrstuv");
        docs.exampleHeaders(ReframerUploads.class, key).exampleHeaders(ReframerQueries.class, key);
    }
}
