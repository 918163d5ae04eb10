package io.framegrid.gateway.detection;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Multiparts;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.observability.Telemetry;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Surface E's detection, settings and model routes under both {@code /api/} and {@code /api/v1/}: uploads
 * ({@link DetectionUploads}), results and the detection list ({@link DetectionQueries}), per-user settings
 * ({@link DetectionSettingsRoutes}) and models ({@link DetectionModels}). Every one counts against its user's
 * budget of {@code gateway.detection.requests-per-minute}, kept by the coordinator (an Armeria
 * {@code ThrottlingService} over {@link ClusterLimits#bearerRequestStrategy}), so it holds across gateways; the
 * counting also authenticates, so a missing or bad token is 401 before anything else runs.
 */
public final class DetectionApiRoutes implements SurfaceRoutes {
    private static final List<String> PREFIXES = List.of("/api", "/api/v1");
    /** Multipart framing around the image. */
    static final long FORM_OVERHEAD_BYTES = 64L << 10;

    private final ClusterLimits clusterLimits;
    private final List<Object> routes;
    private final RealtimeDetection realtime;
    private final DetectionIntegrations integrations;

    public DetectionApiRoutes(FramegridClient client, DetectionLimits limits, Clock clock, Telemetry telemetry) {
        // No concurrent-work permits on this surface: one upload is one bounded request.
        this.clusterLimits = new ClusterLimits(client, DetectionContract.PRODUCT, limits.requestsPerMinute(),
                Duration.ofMinutes(1), 1, Duration.ofSeconds(60), clock);
        this.routes = List.of(new DetectionUploads(client, limits), new DetectionQueries(client),
                new DetectionSettingsRoutes(client), new DetectionModels(client), new DetectionHistoryRoutes(client),
                new DetectionHistoryExport(client), new DetectionWebhooks(client), new DetectionModelUploads(client));
        // One family per JVM: the standalone process and tests may build the surface more than once.
        this.realtime = new RealtimeDetection(client, limits,
                telemetry.shared(RealtimeMetrics.class, () -> new RealtimeMetrics(telemetry.registry())));
        this.integrations = new DetectionIntegrations(client);
    }

    @Override
    public Surface surface() {
        return DetectionSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        // One throttle for every route and both prefixes: a user's minute is one budget however they call.
        var throttle = endpoints.throttled(clusterLimits.bearerRequestStrategy());
        // Real time: one socket is one request against nothing; its frames are paced by the per-socket cap instead.
        var ws = realtime.service(endpoints);
        // Signed by enginelabs, not by a user: outside the per-user throttle, which needs a bearer token.
        for (String prefix : PREFIXES) {
            endpoints.annotated(sb).pathPrefix(prefix).build(integrations);
        }
        for (String path : List.of("/ws/detection", "/api/v1/ws/detection")) {
            // The server-wide JSON body cap and request timeout would end a socket; its messages are capped instead.
            sb.route().get(path).maxRequestLength(0).requestTimeout(Duration.ZERO).build(ws);
        }
        for (String prefix : PREFIXES) {
            for (Object route : routes) {
                var binding = endpoints.annotated(sb).pathPrefix(prefix).decorator(throttle);
                if (route instanceof DetectionUploads) {
                    // Unlimited here so size errors are answered in E's format (declared length, then counted).
                    binding.maxRequestLength(0).requestTimeout(Duration.ofMinutes(2));
                } else if (route instanceof DetectionModelUploads) {
                    // Armeria parses this form for the annotated MultipartFile parameter: see Multiparts.
                    binding.maxRequestLength(DetectionModelUploads.MAX_MODEL_BYTES + FORM_OVERHEAD_BYTES)
                            .requestTimeout(Duration.ofMinutes(5)).decorator(Multiparts::guard);
                } else if (route instanceof DetectionHistoryExport) {
                    // A long export streams for as long as the client keeps reading.
                    binding.requestTimeout(Duration.ZERO);
                }
                binding.build(route);
            }
        }
    }

    @Override
    public List<Documented> documented() {
        List<Documented> documented = new ArrayList<>();
        for (String prefix : PREFIXES) {
            routes.forEach(r -> documented.add(new Documented(prefix, r)));
            documented.add(new Documented(prefix, integrations));
        }
        return documented;
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        HttpHeaders bearer = HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi...");
        for (Object r : routes) {
            docs.exampleHeaders(r.getClass(), bearer);
        }
        docs.exampleRequests(DetectionSettingsRoutes.class, "update",
                        "{\"confidenceThreshold\":0.6,\"useGPU\":true,\"enableMultiThreading\":false}")
                .exampleRequests(DetectionModels.class, "activate", "{\"model_id\":\"yolox-nano\"}");
    }
}
