package io.framegrid.fabric.grid;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.ignite.Ignite;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgnitePredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a client node's grid state when the node lost the grid and when it is back. A client cut off longer than
 * the servers' failure detection is dropped by them; it then rejoins under a new node id (Ignite's
 * {@code EVT_CLIENT_NODE_RECONNECTED}), its cache proxies work again, but whatever was registered under the old
 * id (leases, status records, continuous queries' missed updates) is gone and must be re-established.
 */
public final class ClientReconnects implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientReconnects.class);

    /** Callbacks run one at a time, in event order, on a thread of their own. */
    public interface Listener {
        /** The node lost the grid: every grid operation fails until it is back. */
        default void disconnected() {
        }

        /** The node is back in the grid as {@code nodeId} (a new id). */
        void reconnected(String nodeId);
    }

    private final Ignite ignite;
    private final IgnitePredicate<Event> predicate;
    // Discovery notifies on its own thread, which must not wait on cache operations (they need discovery).
    private final ExecutorService callbacks;

    public ClientReconnects(Ignite ignite, String name, Listener listener) {
        this.ignite = ignite;
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "framegrid-reconnect-" + name);
            t.setDaemon(true);
            return t;
        });
        this.predicate = event -> {
            boolean back = event.type() == EventType.EVT_CLIENT_NODE_RECONNECTED;
            // The event's node is the local node with the id it has now (the cluster API refuses calls while the
            // node is disconnected); read here, since by the time the callback runs it could have changed again.
            String id = ((DiscoveryEvent) event).eventNode().id().toString();
            try {
                callbacks.execute(() -> {
                    try {
                        if (back) {
                            log.info("Grid connection back for {}: node id now {}", name, id);
                            listener.reconnected(id);
                        } else {
                            log.warn("Grid connection lost for {}; reconnecting", name);
                            listener.disconnected();
                        }
                    } catch (RuntimeException e) {
                        log.warn("{} could not handle a grid {}: {}", name, back ? "reconnect" : "disconnect",
                                e.toString());
                    }
                });
            } catch (RejectedExecutionException closed) {
                log.debug("{} closed; grid event ignored", name);
            }
            return true;
        };
        ignite.events().localListen(predicate, EventType.EVT_CLIENT_NODE_DISCONNECTED,
                EventType.EVT_CLIENT_NODE_RECONNECTED);
    }

    /** Whether {@code e} (or a cause) is the grid refusing an operation because this client node lost the grid. */
    public static boolean isDisconnect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.ignite.IgniteClientDisconnectedException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        try {
            ignite.events().stopLocalListen(predicate);
        } catch (RuntimeException e) {
            log.debug("Cannot stop listening for reconnects: {}", e.toString());
        }
        callbacks.shutdownNow();
    }
}
