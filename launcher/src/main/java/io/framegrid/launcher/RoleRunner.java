package io.framegrid.launcher;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a role's components and closes them in reverse start order, once, whether the JVM is
 * stopped by a signal (shutdown hook) or a component fails to start.
 */
final class RoleRunner {
    private static final Logger log = LoggerFactory.getLogger(RoleRunner.class);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean closed;

    <T extends AutoCloseable> T started(T component) {
        started.push(component);
        return component;
    }

    synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.warn("Error while stopping {}", component.getClass().getSimpleName(), e);
            }
        }
        stopped.countDown();
    }

    /** Blocks until the JVM is asked to stop, then closes everything. */
    int awaitShutdown(String role) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping {}", role);
            closeAll();
            log.info("Framegrid {} stopped", role);
        }, "framegrid-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
