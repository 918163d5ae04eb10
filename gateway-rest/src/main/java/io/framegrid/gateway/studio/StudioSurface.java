package io.framegrid.gateway.studio;

import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.studio.upload.StudioUploadRoutes;
import java.util.List;

/** Surface B (studio): authentication, chunked uploads and file downloads. */
public final class StudioSurface implements GatewaySurface {
    @Override
    public String name() {
        return "studio";
    }

    @Override
    public Surface conventions() {
        return Surface.STUDIO;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new StudioAuthRoutes(context.client(), context.authLimiter()),
                new StudioUploadRoutes(context.client()));
    }
}
