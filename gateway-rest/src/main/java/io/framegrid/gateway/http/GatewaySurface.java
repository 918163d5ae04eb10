package io.framegrid.gateway.http;

import java.util.List;

/**
 * A product's REST surface, found by {@link java.util.ServiceLoader} (list the implementation in
 * {@code META-INF/services/io.framegrid.gateway.http.GatewaySurface}): the gateway gives each one its own server on
 * the port {@code gateway.<name>.port}, renders its errors by its {@link Surface} conventions and adds its route
 * sets. Adding a product adds one of these and its keys; no central class changes.
 */
public interface GatewaySurface {
    /** The product's name: its configuration keys {@code gateway.<name>.*}, its server and metrics label. */
    String name();

    /** How this surface spells errors and maps gRPC failures to HTTP. */
    Surface conventions();

    /** The surface's routes, built from the SDK client, the surface's settings and the gateway clock. */
    List<SurfaceRoutes> routes(SurfaceContext context);
}
