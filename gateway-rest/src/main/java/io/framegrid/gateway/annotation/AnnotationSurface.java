package io.framegrid.gateway.annotation;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/**
 * Surface A (drive annotation): authentication and user management, video and CSV uploads, geolocation, and the
 * annotation locks. Videos form one shared pool for every annotator of the surface.
 */
public final class AnnotationSurface implements GatewaySurface {
    /** A's errors are {@code {"status":"error","message"}}; validation 400, taken values 409. */
    public static final Surface CONVENTIONS = new Surface("annotation", ErrorFormat.STATUS_MESSAGE,
            HttpStatus.BAD_REQUEST, HttpStatus.CONFLICT);

    @Override
    public String name() {
        return "annotation";
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new AnnotationAuthRoutes(context.client(), context.authLimiter(), context.clock()),
                new AnnotationRoutes(context.client(), AnnotationSettings.from(context.settings())));
    }
}
