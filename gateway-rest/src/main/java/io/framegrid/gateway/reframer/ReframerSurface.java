package io.framegrid.gateway.reframer;

import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface C (reframer): health, API-key registration, and the video jobs. */
public final class ReframerSurface implements GatewaySurface {
    /** C's errors are {@code {"detail"}}; validation and conflicts 400. The job routes still name it Surface.REFRAMER. */
    public static final Surface CONVENTIONS = Surface.REFRAMER;

    @Override
    public String name() {
        return "reframer";
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new ReframerAuthRoutes(context.client(), context.authLimiter(), List::of, context.clock()),
                new ReframerJobRoutes(context.client(), context.gateway().reframer(), context.clock()));
    }
}
