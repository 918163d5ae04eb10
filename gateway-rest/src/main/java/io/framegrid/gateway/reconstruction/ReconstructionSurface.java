package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface D (reconstruction): authentication with the OAuth2 password-form login. */
public final class ReconstructionSurface implements GatewaySurface {
    /** D's errors are {@code {"detail"}}; validation is 422. */
    public static final Surface CONVENTIONS = new Surface("reconstruction", ErrorFormat.DETAIL,
            HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.BAD_REQUEST);

    @Override
    public String name() {
        return "reconstruction";
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new ReconstructionAuthRoutes(context.client(), context.authLimiter(), context.clock()));
    }
}
