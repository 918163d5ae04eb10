package io.framegrid.gateway.reframer;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.proto.reframer.ReframerContract;
import java.util.List;

/** Surface C (reframer): health, API-key registration, and the video jobs. */
public final class ReframerSurface implements GatewaySurface {
    /** C's errors are {@code {"detail"}}; validation and conflicts 400. */
    public static final Surface CONVENTIONS = new Surface(ReframerContract.PRODUCT, ErrorFormat.DETAIL,
            HttpStatus.BAD_REQUEST, HttpStatus.BAD_REQUEST);

    @Override
    public String name() {
        return ReframerContract.PRODUCT;
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new ReframerAuthRoutes(context.client(), context.authLimiter(), List::of, context.clock()),
                new ReframerJobRoutes(context.client(), ReframerLimits.from(context.settings()), context.clock()));
    }
}
