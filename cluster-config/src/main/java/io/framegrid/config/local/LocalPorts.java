package io.framegrid.config.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports, for tests and benchmarks that must not join anybody else's grid.
 *
 * <p>A port is probed and released, and only later bound by the server that gets it, so two things could take it in
 * between: a second call of this JVM (the kernel may hand out the port it just freed again), and any outgoing
 * connection on the machine, which takes its source port from the kernel's ephemeral range. Both made a role of a
 * multi-process test fail with "Address already in use". Ports are therefore drawn below the ephemeral range (Linux:
 * {@code /proc/sys/net/ipv4/ip_local_port_range}), where no connection picks its source port, and a port this JVM
 * handed out recently is not handed out again.
 */
public final class LocalPorts {
    /** How many handed-out ports this JVM remembers. */
    private static final int REMEMBERED = 4096;
    /** The lowest port drawn from; below it sit well-known and commonly configured service ports. */
    private static final int LOWEST = 10_000;
    private static final Set<Integer> handedOut = new LinkedHashSet<>();
    private static final int EPHEMERAL_START = ephemeralStart();

    private LocalPorts() {}

    /** A port nothing listens on, outside the ephemeral range where the OS says where that is, not handed out lately. */
    public static int free() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = EPHEMERAL_START - LOWEST >= 1_000
                    ? ThreadLocalRandom.current().nextInt(LOWEST, EPHEMERAL_START) : 0;
            int bound = probe(port);
            if (bound > 0 && remember(bound)) {
                return bound;
            }
        }
        throw new IllegalStateException("no free loopback port found in 1000 attempts");
    }

    /** The port {@code port} (0 = any) bound and released, or -1 when something holds it. */
    private static int probe(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return socket.getLocalPort();
        } catch (java.net.BindException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean remember(int port) {
        synchronized (handedOut) {
            if (!handedOut.add(port)) {
                return false;
            }
            if (handedOut.size() > REMEMBERED) {
                handedOut.remove(handedOut.iterator().next());
            }
            return true;
        }
    }

    /** The first port of the kernel's ephemeral range; 0 where it cannot be read (then any free port is used). */
    private static int ephemeralStart() {
        // Read as a stream: procfs reports a size of 0, and Files.readString then returns only the first byte.
        try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = in.readLine();
            return range == null ? 0 : Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
