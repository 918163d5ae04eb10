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
    default List<Documented> documented() {
        return List.of();
    }

    /** An annotated route object and the path prefix it is bound under on the surface's server ("" for none). */
    record Documented(String pathPrefix, Object routes) {
        public static Documented of(Object routes) {
            return new Documented("", routes);
        }
    }

    /** Adds example requests (bodies, headers) of the documented routes to the admin port's DocService. */
    default void examples(DocServiceBuilder docs) {}
}
