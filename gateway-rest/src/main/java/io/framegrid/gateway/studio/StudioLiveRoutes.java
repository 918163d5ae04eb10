package io.framegrid.gateway.studio;

import com.linecorp.armeria.server.ServerBuilder;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.gateway.http.SurfaceRoutes;
import io.framegrid.gateway.studio.live.SocketIoGateway;
import io.framegrid.sdk.FramegridClient;
import java.util.List;

/** Surface B's Socket.IO endpoint at {@code /socket.io/} on the studio port (see {@link SocketIoGateway}). */
public final class StudioLiveRoutes implements SurfaceRoutes {
    private final SocketIoGateway gateway;

    StudioLiveRoutes(FramegridClient client) {
        this.gateway = new SocketIoGateway(client);
    }

    @Override
    public Surface surface() {
        return StudioSurface.CONVENTIONS;
    }

    @Override
    public void configure(ServerBuilder sb, Endpoints endpoints) {
        sb.service(SocketIoGateway.PATH, gateway.service());
    }

    @Override
    public List<Documented> documented() {
        return List.of();
    }
}
