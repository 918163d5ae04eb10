package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.framegrid.gateway.http.ClusterLimits;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Surface D's project, file and job routes under {@code /api/v1} and the job-event WebSocket. Every route counts
 * against its user's {@code gateway.reconstruction.requests-per-second}; the COLMAP routes (start-reconstruction,
 * extract-frames) also against {@code colmap-requests-per-second}. Both budgets are kept by the coordinator (an
 * Armeria {@code ThrottlingService} over {@link ClusterLimits#bearerRequestStrategy}), so they hold across gateways;
 * the counting also authenticates, so a missing or bad token is 401 before anything else runs.
 */
public final class ReconstructionApiRoutes implements SurfaceRoutes {
    static final String PREFIX = "/api/v1";

    private final ClusterLimits general;
    private final ClusterLimits colmap;
    private final ProjectRoutes projects;
    private final ColmapRoutes colmapRoutes;
    private final FileRoutes files;
    private final JobRoutes jobs;
    private final JobEventsSocket socket;

    public ReconstructionApiRoutes(FramegridClient client, ReconstructionLimits limits, Clock clock) {
        this.general = new ClusterLimits(client, ReconstructionContract.PRODUCT, limits.requestsPerSecond(),
                Duration.ofSeconds(1), 1, Duration.ofSeconds(60), clock);
        this.colmap = new ClusterLimits(client, ReconstructionContract.PRODUCT + ".colmap",
                limits.colmapRequestsPerSecond(), Duration.ofSeconds(1), 1, Duration.ofSeconds(60), clock);
        this.projects = new ProjectRoutes(client);
        this.colmapRoutes = new ColmapRoutes(client);
        this.files = new FileRoutes(client, limits);
        this.jobs = new JobRoutes(client);
        this.socket = new JobEventsSocket(client);
    }

    @Override
    public Surface surface() {
        return ReconstructionSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        var throttle = endpoints.throttled(general.bearerRequestStrategy());
        endpoints.annotated(sb).pathPrefix(PREFIX).decorator(throttle).build(projects);
        endpoints.annotated(sb).pathPrefix(PREFIX).decorator(throttle).build(jobs);
        // The COLMAP budget is checked first (inner decorators run last): both count.
        endpoints.annotated(sb).pathPrefix(PREFIX).decorator(endpoints.throttled(colmap.bearerRequestStrategy()))
                .decorator(throttle).build(colmapRoutes);
        // Unlimited here so size errors are answered in D's format (declared length, then counted).
        endpoints.annotated(sb).pathPrefix(PREFIX).decorator(throttle).maxRequestLength(0)
                .requestTimeout(Duration.ofMinutes(30)).build(files);
        sb.route().path("/ws/jobs/{project_id}").requestTimeout(Duration.ZERO).build(socket.service());
    }

    @Override
    public List<Documented> documented() {
        List<Documented> documented = new ArrayList<>();
        for (Object r : List.of(projects, colmapRoutes, files, jobs)) {
            documented.add(new Documented(PREFIX, r));
        }
        return documented;
    }

    @Override
    public void examples(DocServiceBuilder docs) {
        HttpHeaders bearer = HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer eyJhbGciOi...");
        for (Object r : List.of(projects, colmapRoutes, files, jobs)) {
            docs.exampleHeaders(r.getClass(), bearer);
        }
        docs.exampleRequests(ProjectRoutes.class, "create", "{\"name\":\"Herz-Jesu\",\"description\":\"facade\"}")
                .exampleRequests(ProjectRoutes.class, "update", "{\"name\":\"Herz-Jesu P8\",\"status\":\"archived\"}");
    }
}
