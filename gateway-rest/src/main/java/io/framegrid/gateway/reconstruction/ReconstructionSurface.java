package io.framegrid.gateway.reconstruction;

import com.linecorp.armeria.common.HttpStatus;
import io.framegrid.gateway.http.ErrorFormat;
import io.framegrid.gateway.http.GatewaySurface;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceContext;
import io.framegrid.gateway.http.SurfaceRoutes;
import java.util.List;

/** Surface D (reconstruction): authentication (OAuth2 password-form login), projects, files, jobs, job events. */
public final class ReconstructionSurface implements GatewaySurface {
    /**
     * D's errors are FastAPI's {@code {"detail": "..."}}; validation is 422, and a 422 naming a field carries
     * FastAPI's list of field errors instead: {@code {"detail": [{"loc": ["body", "name"], "msg": ..., "type": ...}]}}.
     */
    public static final ErrorFormat FORMAT = (status, code, message, details, requestId) -> {
        Object field = details.get("field");
        if (status.code() == 422 && field != null) {
            Object where = details.getOrDefault("in", "body");
            return java.util.Map.of("detail", java.util.List.of(java.util.Map.of("loc",
                    java.util.List.of(where, field), "msg", message, "type",
                    "MISSING_FIELD".equals(code) ? "value_error.missing" : "value_error")));
        }
        return java.util.Map.of("detail", message);
    };
    public static final Surface CONVENTIONS = new Surface("reconstruction", FORMAT,
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
        return List.of(new ReconstructionAuthRoutes(context.client(), context.authLimiter(), context.clock()),
                new ReconstructionApiRoutes(context.client(), ReconstructionLimits.from(context.settings()),
                        context.clock()));
    }
}
