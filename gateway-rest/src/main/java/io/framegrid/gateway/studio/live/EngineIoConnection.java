package io.framegrid.gateway.studio.live;

import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.concurrent.EventExecutor;
import io.socket.engineio.server.EngineIoWebSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One WebSocket of the Armeria server as engine.io-server sees it: frames the client sends become its
 * {@code message} events, what it writes goes out as frames, the socket's end is its {@code close}. Every incoming
 * frame first passes {@code gate} (the Socket.IO CONNECT check of {@link SocketIoGateway}), strictly in arrival
 * order: a frame waits until the check of the one before it has finished. Everything runs on the request's event
 * loop, so engine.io sees one thread per connection.
 */
final class EngineIoConnection extends EngineIoWebSocket implements Subscriber<WebSocketFrame> {
    /** Decides what to do with an incoming text frame: pass it to engine.io (true) or drop it (false). */
    interface Gate extends Function<String, CompletableFuture<Boolean>> {
    }

    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    private final WebSocketWriter out;
    private final EventExecutor loop;
    private final Gate gate;
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    private boolean closed;

    EngineIoConnection(ServiceRequestContext ctx, Map<String, String> query, Map<String, List<String>> headers,
                       WebSocketWriter out, Gate gate) {
        this.query = query;
        this.headers = headers;
        this.out = out;
        this.loop = ctx.eventLoop();
        this.gate = gate;
    }

    EventExecutor loop() {
        return loop;
    }

    void start(WebSocket in) {
        in.subscribe(this, loop);
        out.whenComplete().handle((v, t) -> {
            loop.execute(this::ended);
            return null;
        });
    }

    @Override
    public Map<String, String> getQuery() {
        return query;
    }

    @Override
    public Map<String, List<String>> getConnectionHeaders() {
        return headers;
    }

    @Override
    public void write(String message) {
        out.tryWrite(message);
    }

    @Override
    public void write(byte[] message) {
        out.tryWrite(message);
    }

    @Override
    public void close() {
        out.close();
    }

    @Override
    public void onSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(WebSocketFrame frame) {
        WebSocketFrameType type = frame.type();
        if (type == WebSocketFrameType.TEXT) {
            String text = frame.text();
            previous = previous.thenCompose(v -> gate.apply(text)).handleAsync((pass, t) -> {
                if (t == null && Boolean.TRUE.equals(pass) && !closed) {
                    emit("message", text);
                }
                return null;
            }, loop);
        } else if (type == WebSocketFrameType.BINARY) {
            byte[] bytes = frame.array();
            previous = previous.thenRunAsync(() -> {
                if (!closed) {
                    emit("message", (Object) bytes);
                }
            }, loop);
        } else if (type == WebSocketFrameType.PING) {
            out.tryWrite(WebSocketFrame.ofPong(frame.array()));
        }
    }

    @Override
    public void onError(Throwable t) {
        ended();
    }

    @Override
    public void onComplete() {
        ended();
    }

    private void ended() {
        if (closed) {
            return;
        }
        closed = true;
        emit("close");
    }
}
