package io.framegrid.launcher.hosts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
        ip("link", "add", bridge(), "type", "bridge");
        undo.push(List.of("link", "del", bridge()));
        ip("addr", "add", "10.77." + subnet + ".1/24", "dev", bridge());
        ip("link", "set", bridge(), "up");
    }

    /** Whether this machine lets the test make namespaces and bridges (root, iproute2, a kernel that allows it). */
    static boolean available() {
        try {
            String probe = "fgprobe" + ProcessHandle.current().pid() % 100000;
            if (run(List.of("ip", "netns", "add", probe)) != 0) {
                return false;
            }
            run(List.of("ip", "netns", "del", probe));
            return true;
        } catch (IOException e) {
            return false;
        }
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

    private static int run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (p.exitValue() != 0) {
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
