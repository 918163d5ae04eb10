package io.framegrid.launcher.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framegrid.config.deploy.Monitoring;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.jobs.JobsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The documented many-hosts deployment ({@code cluster-config/deploy/hosts/*.properties}), run as written: two
 * coordinators, two gpu-nodes and a gateway, each a JVM in its own network namespace with its own non-loopback
 * address and the static discovery list. Jobs spread over both gpu-nodes; one gpu-node's link goes down while it
 * runs tasks, its leases expire and the work completes on the other. The rejoin after the link comes back is handled
 * (TaskWorkerTest covers it without namespaces) but not yet asserted here. Opt-in with FRAMEGRID_TEST_NETNS=1, and
 * skipped where the test cannot make namespaces (not root, no iproute2).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MultiHostNetnsTest {
    // Five JVMs start at once on what may be two shared cores.
    private static final Duration START = Duration.ofSeconds(300);

    @Test
    void jobsSpreadAndACutOffHostsLeasesExpireAndTheWorkCompletesElsewhere() throws Exception {
        // Opt-in until it is stable on a loaded 2-core CI machine (its post-cut completion timed out there once).
        assumeTrue("1".equals(System.getenv("FRAMEGRID_TEST_NETNS")), "set FRAMEGRID_TEST_NETNS=1 to run");
        assumeTrue(NetworkNamespaces.available(), "needs root and ip netns");
        int subnet = ThreadLocalRandom.current().nextInt(100, 250);
        String prefix = "fg" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Path root = Files.createTempDirectory("framegrid-netns");
        Path media = Files.createDirectories(root.resolve("media"));
        Path hosts = Monitoring.inCheckout().dir().getParent().resolve("hosts");
        List<FramegridProcess> processes = new ArrayList<>();
        try (NetworkNamespaces net = new NetworkNamespaces(prefix, subnet)) {
            Map<String, Integer> layout = new LinkedHashMap<>();
            layout.put("coordinator-1", 11);
            layout.put("coordinator-2", 12);
            layout.put("gpu-node-1", 21);
            layout.put("gpu-node-2", 22);
            layout.put("gateway", 31);
            Map<String, String> namespaces = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> host : layout.entrySet()) {
                // Cable names are prefix + a short host name (interface names have at most 15 characters).
                namespaces.put(host.getKey(), net.add(shortName(host.getKey()), host.getValue()));
            }
            Map<String, FramegridProcess> roles = new LinkedHashMap<>();
            for (String host : layout.keySet()) {
                String role = host.startsWith("coordinator") ? "coordinator" : host.startsWith("gpu-node") ? "gpu-node" : "gateway";
                // The host's file as documented, moved to this run's subnet; only paths and timings are overridden.
                Path config = root.resolve(host + ".properties");
                Files.writeString(config, Files.readString(hosts.resolve(host + ".properties"))
                        .replace("10.77.0.", "10.77." + subnet + "."));
                List<String> args = new ArrayList<>(List.of(role, "--config", config.toString(),
                        "--set", "data-dir=" + root.resolve(host), "--set", "media.local.dir=" + media,
                        "--set", "jobs.lease-time=2s", "--set", "jobs.heartbeat-interval=300ms",
                        "--set", "jobs.tier-limit.free=100", "--set", "identity.admin.password=AdminPass123"));
                if (role.equals("gateway")) {
                    args = new ArrayList<>(List.of(role, "--config", config.toString()));
                }
                FramegridProcess p = FramegridProcess.inNetworkNamespace(host, namespaces.get(host), args);
                processes.add(p);
                roles.put(host, p);
                if (host.equals("coordinator-1")) {
                    // The first coordinator forms the grid and creates the cluster's first records (administrator,
                    // JWT key) before the others join; two first starts at once can time out on those locks.
                    p.awaitOutput("Framegrid coordinator ready", START);
                }
            }
            roles.forEach((host, p) -> p.awaitOutput("Framegrid " + (host.startsWith("coordinator") ? "coordinator"
                    : host.startsWith("gpu-node") ? "gpu-node" : "gateway") + " ready", START));

            // The gateway host answers from the bridge and reaches a coordinator across hosts (its first gRPC
            // connection may outlast the health route's 2 s deadline on a loaded machine).
            HttpClient http = HttpClient.newHttpClient();
            await("the gateway's /health").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    http.send(HttpRequest.newBuilder(URI.create("http://" + net.address(31) + ":8002/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

            try (FramegridClient client = FramegridClient.builder(net.address(11) + ":9090").build()) {
                FramegridClient admin = client.withBearerToken(client.identity().login("admin", "AdminPass123").getAccessToken());
                await().atMost(Duration.ofSeconds(60)).until(() -> names(admin).containsAll(List.of("gpu-node-1", "gpu-node-2")));
                client.identity().register(RegisterRequest.newBuilder().setEmail("hosts@example.com")
                        .setUsername("hosts").setPassword("Sup3rSecret").build());
                // Served by the second coordinator too: one cluster.
                try (FramegridClient second = FramegridClient.builder(net.address(12) + ":9090").build()) {
                    second.identity().login("hosts", "Sup3rSecret");
                }
                JobsClient jobs = client.withBearerToken(client.identity().login("hosts", "Sup3rSecret").getAccessToken()).jobs();
                List<Job> submitted = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    submitted.add(jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2", "work_ms", "1500")));
                }
                // Both gpu-nodes take work; then gpu-node-1 is cut off while it runs tasks.
                await().atMost(Duration.ofSeconds(60)).until(() -> admin.nodes().list().stream()
                        .filter(n -> n.getName().startsWith("gpu-node-")).allMatch(n -> n.getTasksCompleted() > 0)
                        && admin.nodes().list().stream().anyMatch(n -> n.getName().equals("gpu-node-1") && n.getRunningTasks() > 0));
                net.link(shortName("gpu-node-1"), false);
                await().atMost(Duration.ofSeconds(30)).until(() -> !names(admin).contains("gpu-node-1"));
                await().atMost(Duration.ofSeconds(150)).until(() -> submitted.stream()
                        .allMatch(j -> JobLedger.isTerminal(jobs.get(j.getJobId()).getStatus())));
                int requeued = 0;
                for (Job j : submitted) {
                    Job done = jobs.get(j.getJobId());
                    assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
                    Iterator<JobLogLine> lines = jobs.logs(j.getJobId(), 0, false);
                    while (lines.hasNext()) {
                        if (lines.next().getMessage().contains("expired; task re-queued")) {
                            requeued++;
                        }
                    }
                }
                assertThat(requeued).as("leases of the cut-off host expired and were re-queued").isPositive();
            }
        } finally {
            for (FramegridProcess p : processes) {
                p.close();
            }
            CoordinatorExtension.deleteRecursively(root);
        }
    }

    private static String shortName(String host) {
        return host.replace("coordinator-", "c").replace("gpu-node-", "g").replace("gateway", "gw");
    }

    private static List<String> names(FramegridClient admin) {
        return admin.nodes().list().stream().map(NodeStatus::getName).toList();
    }
}
