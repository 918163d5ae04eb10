package io.framegrid.gateway.studio.live;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.framegrid.sdk.FramegridClient;
import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoServerOptions;
import io.socket.socketio.server.SocketIoNamespace;
import io.socket.socketio.server.SocketIoServer;
import io.socket.socketio.server.SocketIoSocket;
import io.socket.socketio.server.parser.IOParser;
import io.socket.socketio.server.parser.Packet;
import io.socket.socketio.server.parser.Parser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Surface B's Socket.IO endpoint on the studio port ({@code /socket.io/}), as the spec's client connects:
 * {@code io('http://localhost:8000', {transports: ['websocket'], auth: {token}})}. The protocol is the maintained
 * {@code io.socket:socket.io-server} over {@code engine.io-server}, fed by an Armeria {@link WebSocketService};
 * this class adds only authentication: a Socket.IO CONNECT (decoded with the library's own parser) passes on to
 * the library once its {@code auth.token} is a valid access token; otherwise the client receives CONNECT_ERROR
 * (its {@code connect_error}) with {@code "Authentication failed"} and the WebSocket closes. Only the websocket
 * transport is served (the spec's client asks for nothing else). Events: {@link JobChannel}.
 */
public final class SocketIoGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketIoGateway.class);
    public static final String PATH = "/socket.io/";

    private final FramegridClient client;
    private final EngineIoServer engine;
    private final SocketIoServer socketIo;
    /** Tokens checked by the gate, for the connection handler that runs right after (same connection, same loop). */
    private final Cache<String, Verified> verified = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(1))
            .maximumSize(100_000).build();

    /** A token the gate accepted, and the loop of the connection that presented it. */
    private record Verified(String userId, java.util.concurrent.Executor loop) {}

    public SocketIoGateway(FramegridClient client) {
        this.client = client;
        EngineIoServerOptions options = EngineIoServerOptions.newFromDefault();
        // Any origin (and none: non-browser clients send no Origin): the socket is token-authenticated, not by cookie.
        options.setCorsHandlingDisabled(true);
        // Ping timers on daemon threads: the gateway's JVM must be free to exit with its servers.
        options.setScheduledExecutorService(java.util.concurrent.Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "studio-socketio-timers");
            t.setDaemon(true);
            return t;
        }));
        this.engine = new EngineIoServer(options);
        this.socketIo = new SocketIoServer(engine);
        SocketIoNamespace root = socketIo.namespace("/");
        root.on("connection", args -> connected((SocketIoSocket) args[0]));
    }

    /** The WebSocket service to bind at {@link #PATH}. */
    public WebSocketService service() {
        return WebSocketService.builder((ctx, in) -> open(ctx, in)).allowedOrigins("*")
                .build();
    }

    private WebSocket open(ServiceRequestContext ctx, WebSocket in) {
        ctx.clearRequestTimeout();
        WebSocketWriter out = WebSocket.streaming();
        Map<String, String> query = new HashMap<>();
        QueryParams.fromQueryString(ctx.query() == null ? "" : ctx.query()).forEach((k, v) -> query.putIfAbsent(k, v));
        Map<String, List<String>> headers = new HashMap<>();
        ctx.request().headers().forEach((k, v) -> headers.computeIfAbsent(k.toString(), x -> new ArrayList<>()).add(v));
        EngineIoConnection[] self = new EngineIoConnection[1];
        EngineIoConnection connection = new EngineIoConnection(ctx, query, headers, out,
                text -> gate(self[0], out, text));
        self[0] = connection;
        connection.loop().execute(() -> {
            engine.handleWebSocket(connection);
            connection.start(in);
        });
        return out;
    }

    /** Passes every frame but a Socket.IO CONNECT whose token the coordinator refuses. */
    private CompletableFuture<Boolean> gate(EngineIoConnection connection, WebSocketWriter out, String frame) {
        io.socket.engineio.server.parser.Packet<?> ep = io.socket.engineio.server.parser.Parser.PROTOCOL_V4
                .decodePacket(frame);
        if (!io.socket.engineio.server.parser.Packet.MESSAGE.equals(ep.type) || !(ep.data instanceof String payload)) {
            return CompletableFuture.completedFuture(true);
        }
        Packet<?>[] decoded = new Packet<?>[1];
        IOParser.Decoder decoder = new IOParser.Decoder();
        decoder.onDecoded(p -> decoded[0] = p);
        try {
            decoder.add(payload);
        } catch (RuntimeException e) {
            // Not ours to judge: the library answers malformed packets itself.
            return CompletableFuture.completedFuture(true);
        } finally {
            decoder.destroy();
        }
        Packet<?> packet = decoded[0];
        if (packet == null || packet.type != Parser.CONNECT) {
            return CompletableFuture.completedFuture(true);
        }
        String token = packet.data instanceof JSONObject auth ? auth.optString("token", "") : "";
        CompletableFuture<String> user = token.isBlank()
                ? CompletableFuture.failedFuture(new IllegalArgumentException("no token"))
                : client.withBearerToken(token).identityAsync().currentUser().thenApply(u -> u.getUserId());
        return user.handle((userId, t) -> {
            if (t == null) {
                verified.put(token, new Verified(userId, connection.loop()));
                return true;
            }
            refuse(out, packet.nsp == null ? "/" : packet.nsp);
            return false;
        });
    }

    private static void refuse(WebSocketWriter out, String nsp) {
        Packet<JSONObject> error = new Packet<>(Parser.CONNECT_ERROR,
                new JSONObject().put("message", "Authentication failed").put("data",
                        new JSONObject().put("code", "UNAUTHORIZED")
                                .put("message", "auth.token must be a valid access token")));
        error.nsp = nsp;
        new IOParser.Encoder().encode(error, encoded -> {
            for (Object part : encoded) {
                io.socket.engineio.server.parser.Parser.PROTOCOL_V4.encodePacket(
                        new io.socket.engineio.server.parser.Packet<>(io.socket.engineio.server.parser.Packet.MESSAGE,
                                part), false, data -> {
                            if (data instanceof String s) {
                                out.tryWrite(s);
                            } else {
                                out.tryWrite((byte[]) data);
                            }
                        });
            }
        });
        out.close();
    }

    private void connected(SocketIoSocket socket) {
        Object auth = socket.getConnectData();
        String token = auth instanceof JSONObject o ? o.optString("token", "") : "";
        Verified user = token.isEmpty() ? null : verified.getIfPresent(token);
        if (user == null) {
            // Cannot happen through the gate; refuse rather than serve a socket without a user.
            log.warn("Socket.IO connection without a verified token; disconnecting");
            socket.disconnect(true);
            return;
        }
        new JobChannel(client.withBearerToken(token), socket, user.loop()).start();
    }

    @Override
    public void close() {
        engine.shutdown();
    }
}
