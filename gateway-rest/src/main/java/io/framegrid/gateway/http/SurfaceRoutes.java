package io.framegrid.gateway.http;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import java.util.List;

/** The routes of one REST surface, added to that surface's own server. */
public interface SurfaceRoutes {
    Surface surface();

    void configure(ServerBuilder sb, Endpoints endpoints);

    /**
     * The annotated route objects among these routes, so the admin port's DocService documents them too (they are
     * mounted there inert, answering only on the surface's own port); none for hand-written routes.
     */
    default List<Object> documented() {
        return List.of();
    }

    /** Adds example requests (bodies, headers) of the documented routes to the admin port's DocService. */
    default void examples(DocServiceBuilder docs) {}
}
