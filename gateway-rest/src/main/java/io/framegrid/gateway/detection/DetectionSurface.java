package io.framegrid.gateway.detection;

import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface E (detection): authentication under {@code /api/} and {@code /api/v1/}. */
public final class DetectionSurface implements GatewaySurface {
    @Override
    public String name() {
        return "detection";
    }

    @Override
    public Surface conventions() {
        return Surface.DETECTION;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new DetectionAuthRoutes(context.client(), context.authLimiter()));
    }
}
