package io.framegrid.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.LocalPorts;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.identity.v1.User;
import io.framegrid.sdk.FramegridClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two coordinators in two JVMs form one grid: a user created through the first is served by the
 * second after the first has stopped (grid backups), and after the second restarts alone (persistence).
 */
class TwoCoordinatorJvmTest {
    @Test
    void userCreatedOnOneCoordinatorSurvivesItsStopAndTheOthersRestart() throws Exception {
        Path root = Files.createTempDirectory("framegrid-two-jvm");
        int discoveryA = LocalPorts.free();
        int discoveryB = LocalPorts.free();
        String addresses = "127.0.0.1:" + discoveryA + ",127.0.0.1:" + discoveryB;
        int grpcA = LocalPorts.free();
        int grpcB = LocalPorts.free();
        List<String> argsB = coordinatorArgs(root.resolve("b"), "coord-b", discoveryB, addresses, grpcB);
        User created;
        try (FramegridProcess a = FramegridProcess.fromClasspath("coord-a",
                     coordinatorArgs(root.resolve("a"), "coord-a", discoveryA, addresses, grpcA));
             FramegridProcess b = FramegridProcess.fromClasspath("coord-b", argsB)) {
            a.awaitOutput("Framegrid coordinator ready", Duration.ofSeconds(120));
            b.awaitOutput("Framegrid coordinator ready", Duration.ofSeconds(120));

            try (FramegridClient clientA = FramegridClient.builder("127.0.0.1:" + grpcA).build()) {
                created = clientA.identity().register(RegisterRequest.newBuilder()
                        .setEmail("persist@example.com").setUsername("persist").setPassword("Durable123").build());
            }
            int exit = a.stop(Duration.ofSeconds(60));
            assertThat(a.printed("Framegrid coordinator stopped")).as("clean stop, exit %d", exit).isTrue();
            assertThat(exit).isIn(0, 143);

            try (FramegridClient clientB = FramegridClient.builder("127.0.0.1:" + grpcB).build()) {
                assertThat(clientB.identity().login("persist@example.com", "Durable123").getUserId())
                        .isEqualTo(created.getUserId());
            }
            assertThat(b.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }

        // Only B's data directory remains in play: the user must come back from its persistent store.
        try (FramegridProcess b2 = FramegridProcess.fromClasspath("coord-b-restarted",
                coordinatorArgs(root.resolve("b"), "coord-b", discoveryB, "127.0.0.1:" + discoveryB, grpcB))) {
            b2.awaitOutput("Framegrid coordinator ready", Duration.ofSeconds(120));
            try (FramegridClient clientB = FramegridClient.builder("127.0.0.1:" + grpcB).build()) {
                User me = clientB.withBearerToken(clientB.identity().login("persist", "Durable123").getAccessToken())
                        .identity().currentUser();
                assertThat(me.getUserId()).isEqualTo(created.getUserId());
                assertThat(me.getNumericId()).isEqualTo(created.getNumericId());
            }
            b2.stop(Duration.ofSeconds(60));
        } finally {
            CoordinatorExtension.deleteRecursively(root);
        }
    }

    private static List<String> coordinatorArgs(Path dataDir, String name, int discoveryPort, String addresses,
                                                int grpcPort) {
        List<String> args = new ArrayList<>(List.of("coordinator", "--data-dir", dataDir.toString()));
        String[][] sets = {
                {"grid.instance-name", name}, {"grid.consistent-id", name},
                {"grid.discovery.port", String.valueOf(discoveryPort)}, {"grid.discovery.port-range", "0"},
                {"grid.discovery.addresses", addresses},
                {"grid.communication.port", String.valueOf(LocalPorts.free())},
                {"grid.durable-region.max-size-mb", "64"}, {"grid.cache-region.max-size-mb", "32"},
                {"coordinator.grpc.host", "127.0.0.1"}, {"coordinator.grpc.port", String.valueOf(grpcPort)},
                {"metrics.enabled", "false"}};
        for (String[] set : sets) {
            args.add("--set");
            args.add(set[0] + "=" + set[1]);
        }
        return args;
    }
}
