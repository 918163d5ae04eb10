package io.framegrid.gateway.http;

import com.linecorp.armeria.server.ServerBuilder;

/** The routes of one REST surface, added to that surface's own server. */
public interface SurfaceRoutes {
    Surface surface();

    void configure(ServerBuilder sb, Endpoints endpoints);
}
