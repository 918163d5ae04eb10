package io.framegrid.gateway.reconstruction;

import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface D (reconstruction): authentication with the OAuth2 password-form login. */
public final class ReconstructionSurface implements GatewaySurface {
    @Override
    public String name() {
        return "reconstruction";
    }

    @Override
    public Surface conventions() {
        return Surface.RECONSTRUCTION;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new ReconstructionAuthRoutes(context.client(), context.authLimiter()));
    }
}
