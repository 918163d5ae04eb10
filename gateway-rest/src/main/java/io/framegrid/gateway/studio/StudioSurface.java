package io.framegrid.gateway.studio;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.studio.upload.StudioUploadRoutes;
import java.util.List;

/** Surface B (studio): authentication, chunked uploads and file downloads, jobs, credits, administration. */
public final class StudioSurface implements GatewaySurface {
    /** B's errors are {@code {"error":{"code","message","details","request_id"}}}; validation is 422. */
    public static final Surface CONVENTIONS = new Surface("studio", ErrorFormat.ERROR_WITH_DETAILS,
            HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.BAD_REQUEST);

    /** {@code gateway.studio.pro-sync-segments.<tier>}: the most segments one pro-sync job of the tier may have. */
    private static java.util.Map<String, Integer> segmentLimits(SurfaceContext context) {
        java.util.Map<String, Integer> limits = new java.util.HashMap<>();
        for (String tier : new String[] {"free", "pro", "enterprise"}) {
            limits.put(tier, context.settings().positiveInt("pro-sync-segments." + tier));
        }
        return limits;
    }

    @Override
    public String name() {
        return "studio";
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        StudioLimits limits = new StudioLimits(context.client(), context.clock());
        return List.of(new StudioAuthRoutes(context.client(), context.authLimiter(), context.clock()),
                new StudioUploadRoutes(context.client()),
                new StudioJobRoutes(context.client(), limits),
                new StudioAccountRoutes(context.client(), limits),
                new StudioLiveRoutes(context.client()),
                new StudioGhostCutRoutes(context.client(), limits, context.settings().duration("probe-timeout")),
                new StudioProSyncRoutes(context.client(), limits, context.settings().duration("probe-timeout"),
                        segmentLimits(context)));
    }
}
