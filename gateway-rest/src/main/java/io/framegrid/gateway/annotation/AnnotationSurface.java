package io.framegrid.gateway.annotation;

import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface A (drive annotation): authentication and user management. */
public final class AnnotationSurface implements GatewaySurface {
    @Override
    public String name() {
        return "annotation";
    }

    @Override
    public Surface conventions() {
        return Surface.ANNOTATION;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new AnnotationAuthRoutes(context.client(), context.authLimiter()));
    }
}
