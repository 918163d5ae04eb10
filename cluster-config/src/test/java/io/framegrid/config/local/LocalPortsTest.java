package io.framegrid.config.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalPortsTest {
    @Test
    void portsAskedForInARowAreDistinctBindableAndNotEphemeral() throws Exception {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            assertThat(ports.add(LocalPorts.free())).as("call %d", i).isTrue();
        }
        java.nio.file.Path range = java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (java.nio.file.Files.isReadable(range)) {
            int ephemeralStart = Integer.parseInt(java.nio.file.Files.readAllLines(range).get(0).trim()
                    .split("\\s+")[0]);
            // Outside the range outgoing connections take their source ports from.
            assertThat(ports).allSatisfy(p -> assertThat(p).isLessThan(ephemeralStart));
        }
        int port = LocalPorts.free();
        try (java.net.ServerSocket bound = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            assertThat(bound.getLocalPort()).isEqualTo(port);
        }
    }
}
