package io.framegrid.gateway.detection;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/**
 * Surface E (detection) under {@code /api/} and {@code /api/v1/}: authentication, and the detection, settings and
 * model routes ({@link DetectionApiRoutes}, limits from {@code gateway.detection.*}).
 */
public final class DetectionSurface implements GatewaySurface {
    /** E's errors are {@code {"error":{"code","message"}}}; validation 400. */
    public static final Surface CONVENTIONS = new Surface("detection", ErrorFormat.ERROR_CODE_MESSAGE,
            HttpStatus.BAD_REQUEST, HttpStatus.BAD_REQUEST);

    @Override
    public String name() {
        return "detection";
    }

    @Override
    public Surface conventions() {
        return CONVENTIONS;
    }

    @Override
    public List<SurfaceRoutes> routes(SurfaceContext context) {
        return List.of(new DetectionAuthRoutes(context.client(), context.authLimiter(), context.clock()),
                new DetectionApiRoutes(context.client(), DetectionLimits.from(context.settings()), context.clock(),
                        context.telemetry()));
    }
}
