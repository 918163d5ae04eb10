package io.framegrid.launcher.hosts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts as Linux network namespaces on one bridge ({@code ip netns}, veth pairs), each with its own address on
 * {@code 10.77.<subnet>.0/24}; the bridge itself holds {@code .1}, so this JVM reaches every host. Everything made
 * is removed by {@link #close()}, in reverse order. Needs root.
 */
final class NetworkNamespaces implements AutoCloseable {
    private final String prefix;
    private final int subnet;
    private final Deque<List<String>> undo = new ArrayDeque<>();

    NetworkNamespaces(String prefix, int subnet) throws IOException {
        this.prefix = prefix;
        this.subnet = subnet;
        try {
            ip("link", "add", bridge(), "type", "bridge");
            undo.push(List.of("link", "del", bridge()));
            ip("addr", "add", "10.77." + subnet + ".1/24", "dev", bridge());
            ip("link", "set", bridge(), "up");
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Whether this machine lets the test make what it needs (root, iproute2, a kernel with network namespaces, veth
     * and bridges): made once for real, then removed.
     */
    static boolean available() {
        String probe = "fgprobe" + ProcessHandle.current().pid() % 100000;
        try {
            return run(List.of("ip", "netns", "add", probe)) == 0
                    && run(List.of("ip", "link", "add", probe + "v", "type", "veth", "peer", "name", "eth0", "netns", probe)) == 0
                    && run(List.of("ip", "link", "add", probe + "b", "type", "bridge")) == 0;
        } catch (IOException e) {
            return false;
        } finally {
            quietly(List.of("ip", "link", "del", probe + "b"));
            quietly(List.of("ip", "link", "del", probe + "v"));
            quietly(List.of("ip", "netns", "del", probe));
        }
    }

    /**
     * A {@code 10.77.<subnet>.0/24} no interface of this machine uses yet, so runs of this test at the same time (other
     * checkouts on one machine) never share a subnet.
     */
    static int freeSubnet() throws IOException {
        String used = output(List.of("ip", "-4", "-o", "addr", "show"));
        List<Integer> free = new ArrayList<>();
        for (int s = 100; s < 250; s++) {
            if (!used.contains(" 10.77." + s + ".")) {
                free.add(s);
            }
        }
        if (free.isEmpty()) {
            throw new IOException("no free 10.77.x.0/24 subnet");
        }
        return free.get(ThreadLocalRandom.current().nextInt(free.size()));
    }

    /** The namespace process {@code pid} runs in ({@code ip netns identify}), empty when none of the named ones. */
    static String namespaceOf(long pid) throws IOException {
        return output(List.of("ip", "netns", "identify", Long.toString(pid))).trim();
    }

    /** {@code ip -d addr show} inside namespace {@code ns}: its links with their kinds and addresses. */
    static String interfaces(String ns) throws IOException {
        return output(List.of("ip", "-n", ns, "-d", "addr", "show"));
    }

    String bridge() {
        return prefix + "br";
    }

    String address(int host) {
        return "10.77." + subnet + "." + host;
    }

    /** A namespace {@code prefix-name} at {@code .host}, linked to the bridge by {@code prefix+name} (its cable). */
    String add(String name, int host) throws IOException {
        String ns = prefix + "-" + name;
        String cable = prefix + name;
        ip("netns", "add", ns);
        undo.push(List.of("netns", "del", ns));
        ip("link", "add", cable, "type", "veth", "peer", "name", "eth0", "netns", ns);
        undo.push(List.of("link", "del", cable));
        ip("link", "set", cable, "master", bridge());
        ip("link", "set", cable, "up");
        ip("netns", "exec", ns, "ip", "addr", "add", address(host) + "/24", "dev", "eth0");
        ip("netns", "exec", ns, "ip", "link", "set", "eth0", "up");
        ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Cuts a host off (its cable down) or plugs it back. */
    void link(String name, boolean up) throws IOException {
        ip("link", "set", prefix + name, up ? "up" : "down");
    }

    private static void ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        if (run(command) != 0) {
            throw new IOException("failed: " + String.join(" ", command));
        }
    }

    private static void quietly(List<String> command) {
        try {
            run(command, false);
        } catch (IOException ignored) {
            // Cleanup of a probe: it may not have been made.
        }
    }

    private static String output(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static int run(List<String> command) throws IOException {
        return run(command, true);
    }

    private static int run(List<String> command, boolean report) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (p.exitValue() != 0 && report) {
                System.err.println(String.join(" ", command) + ": " + out.trim());
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        while (!undo.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("ip"));
            command.addAll(undo.pop());
            try {
                run(command);
            } catch (IOException ignored) {
                // Best effort: the next step may already have removed it (a namespace takes its veth end along).
            }
        }
    }
}
