package io.framegrid.launcher.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framegrid.config.deploy.Monitoring;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.gpunode.testing.TestTasks;
import io.framegrid.launcher.FramegridProcess;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The documented many-hosts deployment ({@code cluster-config/deploy/hosts/*.properties}), run as written: two
 * coordinators, two gpu-nodes and a gateway, each a JVM in its own network namespace (a veth pair to one bridge) with
 * its own non-loopback address and the static discovery list. Jobs spread over both gpu-nodes; one gpu-node's link
 * goes down while it runs tasks, its leases expire and the work completes on the other; its link comes back, it
 * rejoins the grid under a new node id and commits tasks of the jobs submitted after. Which node did a task is read
 * from the ledger: the test product's merge task logs the node each write's committed output records.
 *
 * <p>A cut link, unlike a killed process, tells the grid nothing: the cut-off gpu-node's open ledger transactions
 * keep their locks until the grid drops it ({@code grid.client-failure-detection-timeout}), and the survivor's
 * changes to the same jobs wait behind them; the ledger's short, retried attempts keep that wait to about the
 * detection time instead of a stall (see {@code LedgerTransactions}). Runs wherever it can (root with iproute2:
 * {@code ip netns}, veth, bridge), skipped elsewhere. Namespaces, bridge and JVMs are removed however the test
 * ends, also when the test JVM itself is stopped.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class MultiHostNetnsTest {
    // Five JVMs start at once on what may be two shared cores.
    private static final Duration START = Duration.ofSeconds(240);
    // Grid failure detection (client nodes: grid.client-failure-detection-timeout, 10 s) and a rejoin, on a loaded
    // machine.
    private static final Duration GRID = Duration.ofSeconds(120);

    @Test
    void jobsSpreadACutOffHostsWorkCompletesElsewhereAndTheHostRejoinsAndTakesNewWork() throws Exception {
        assumeTrue(NetworkNamespaces.available(), "needs root and iproute2 (ip netns, veth, bridge)");
        int subnet = NetworkNamespaces.freeSubnet();
        String prefix = "fg" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Path root = Files.createTempDirectory("framegrid-netns");
        Path media = Files.createDirectories(root.resolve("media"));
        Path hosts = Monitoring.inCheckout().dir().getParent().resolve("hosts");
        Map<String, Integer> layout = new LinkedHashMap<>();
        layout.put("coordinator-1", 11);
        layout.put("coordinator-2", 12);
        layout.put("gpu-node-1", 21);
        layout.put("gpu-node-2", 22);
        layout.put("gateway", 31);
        Cleanup cleanup = new Cleanup(root);
        Thread onExit = new Thread(cleanup::run, "netns-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            NetworkNamespaces net = cleanup.net(new NetworkNamespaces(prefix, subnet));
            Map<String, String> namespaces = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> host : layout.entrySet()) {
                // Cable names are prefix + a short host name (interface names have at most 15 characters).
                namespaces.put(host.getKey(), net.add(shortName(host.getKey()), host.getValue()));
            }
            Map<String, FramegridProcess> roles = new LinkedHashMap<>();
            for (String host : layout.keySet()) {
                // The host's file as documented, moved to this run's subnet; only paths and timings are overridden.
                String documented = Files.readString(hosts.resolve(host + ".properties"));
                String config = documented.replace("10.77.0.", "10.77." + subnet + ".");
                assertThat(config).as(host + " keeps its own address").contains(net.address(layout.get(host)));
                if (!host.equals("gateway")) {
                    assertThat(config).as(host + " has the static discovery list").contains(
                            "grid.discovery.addresses=" + net.address(11) + ":47500," + net.address(12) + ":47500");
                }
                Path file = root.resolve(host + ".properties");
                Files.writeString(file, config);
                List<String> args = new ArrayList<>(List.of(role(host), "--config", file.toString()));
                if (!host.equals("gateway")) {
                    args.addAll(List.of("--set", "data-dir=" + root.resolve(host), "--set", "media.local.dir=" + media,
                            "--set", "jobs.lease-time=2s", "--set", "jobs.heartbeat-interval=300ms",
                            "--set", "jobs.tier-limit.free=100", "--set", "identity.admin.password=AdminPass123"));
                }
                FramegridProcess p = cleanup.process(FramegridProcess.inNetworkNamespace(host, namespaces.get(host), args));
                roles.put(host, p);
                if (host.equals("coordinator-1")) {
                    // The first coordinator forms the grid and creates the cluster's first records (administrator,
                    // JWT key) before the others join; two first starts at once can time out on those locks.
                    p.awaitOutput("Framegrid coordinator ready", START);
                }
            }
            roles.forEach((host, p) -> p.awaitOutput("Framegrid " + role(host) + " ready", START));

            // Each role is a JVM in its own namespace, whose one link to the others is a veth with its own address.
            for (Map.Entry<String, FramegridProcess> role : roles.entrySet()) {
                String ns = namespaces.get(role.getKey());
                assertThat(NetworkNamespaces.namespaceOf(role.getValue().pid())).as(role.getKey()).isEqualTo(ns);
                assertThat(NetworkNamespaces.interfaces(ns)).as(role.getKey() + "'s links")
                        .contains("veth", "inet " + net.address(layout.get(role.getKey())) + "/24");
            }
            assertThat(new HashSet<>(namespaces.values())).hasSize(layout.size());

            // The gateway host answers from the bridge and reaches a coordinator across hosts (its first gRPC
            // connection may outlast the health route's 2 s deadline on a loaded machine).
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            await("the gateway's /health").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    http.send(HttpRequest.newBuilder(URI.create("http://" + net.address(31) + ":8002/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

            try (FramegridClient client = FramegridClient.builder(net.address(11) + ":9090").build()) {
                FramegridClient admin = client.withBearerToken(client.identity().login("admin", "AdminPass123").getAccessToken());
                await("both gpu-nodes listed").atMost(Duration.ofSeconds(60))
                        .until(() -> node(admin, "gpu-node-1").isPresent() && node(admin, "gpu-node-2").isPresent());
                // The gpu-nodes advertise their own addresses to the coordinators, not loopback.
                assertThat(node(admin, "gpu-node-1").orElseThrow().getInferenceTarget()).isEqualTo(net.address(21) + ":9190");
                assertThat(node(admin, "gpu-node-2").orElseThrow().getInferenceTarget()).isEqualTo(net.address(22) + ":9190");
                String cutId = node(admin, "gpu-node-1").orElseThrow().getNodeId();
                String otherId = node(admin, "gpu-node-2").orElseThrow().getNodeId();
                client.identity().register(RegisterRequest.newBuilder().setEmail("hosts@example.com")
                        .setUsername("hosts").setPassword("Sup3rSecret").build());
                // Served by the second coordinator too: one cluster.
                try (FramegridClient second = FramegridClient.builder(net.address(12) + ":9090").build()) {
                    second.identity().login("hosts", "Sup3rSecret");
                }
                JobsClient jobs = client.withBearerToken(client.identity().login("hosts", "Sup3rSecret").getAccessToken()).jobs();
                List<Job> before = submit(jobs, 16);

                // Both gpu-nodes take work; then gpu-node-1 is cut off while it runs tasks.
                await("both gpu-nodes completing tasks, gpu-node-1 running some").atMost(Duration.ofSeconds(90))
                        .until(() -> admin.nodes().list().stream().filter(n -> n.getName().startsWith("gpu-node-"))
                                .filter(n -> n.getTasksCompleted() > 0).count() == 2
                                && node(admin, "gpu-node-1").map(n -> n.getRunningTasks() > 0).orElse(false));
                net.link(shortName("gpu-node-1"), false);
                await("gpu-node-1 gone from the node list").atMost(Duration.ofSeconds(30))
                        .until(() -> node(admin, "gpu-node-1").isEmpty());
                try {
                    awaitCompleted(jobs, before, Duration.ofSeconds(180));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    // The known stall after a cut: what every role's threads are doing is the evidence it needs.
                    roles.forEach((host, p) -> dumpThreads(host, p));
                    throw e;
                }
                Set<String> committers = new HashSet<>();
                int expiredOnCut = 0;
                for (Job j : before) {
                    List<String> lines = logs(jobs, j);
                    committers.addAll(committers(lines));
                    expiredOnCut += (int) lines.stream().filter(l -> l.contains("on node " + cutId + " expired; task re-queued")).count();
                }
                assertThat(committers).as("the ledger's committing nodes: jobs spread over both gpu-nodes")
                        .contains(cutId, otherId);
                assertThat(expiredOnCut).as("leases of the cut-off host expired and were re-queued").isPositive();

                // The grid drops the cut-off client; once its link is back it rejoins under a new node id.
                roles.get("gpu-node-1").awaitOutput("Grid connection lost for task worker", GRID);
                net.link(shortName("gpu-node-1"), true);
                roles.get("gpu-node-1").awaitOutput("Task worker rejoined the grid as", GRID);
                await("gpu-node-1 listed again under a new id").atMost(GRID).until(() -> node(admin, "gpu-node-1")
                        .map(n -> !n.getNodeId().equals(cutId)).orElse(false));
                String rejoinedId = node(admin, "gpu-node-1").orElseThrow().getNodeId();
                assertThat(node(admin, "gpu-node-1").orElseThrow().getInferenceTarget()).isEqualTo(net.address(21) + ":9190");

                // Jobs after the rejoin: more tasks than gpu-node-2's slots, so both nodes take some.
                List<Job> after = submit(jobs, 12);
                awaitCompleted(jobs, after, Duration.ofSeconds(180));
                Set<String> committedAfter = new HashSet<>();
                for (Job j : after) {
                    committedAfter.addAll(committers(logs(jobs, j)));
                }
                assertThat(committedAfter).as("the ledger's committing nodes after the rejoin")
                        .contains(rejoinedId).doesNotContain(cutId);
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(onExit);
            cleanup.run();
        }
    }

    private static List<Job> submit(JobsClient jobs, int count) {
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            submitted.add(jobs.submit(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2", "work_ms", "1500")));
        }
        return submitted;
    }

    private static void awaitCompleted(JobsClient jobs, List<Job> submitted, Duration timeout) {
        // The alias is evaluated on each poll, so a timeout says how far the jobs got.
        await().atMost(timeout).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(submitted.stream()
                .map(j -> jobs.get(j.getJobId())).filter(j -> !JobLedger.isTerminal(j.getStatus()))
                .map(j -> j.getJobId() + " " + j.getStatus() + " " + j.getTasksDone() + "/" + j.getTasksTotal()).toList())
                .as("jobs not ended").isEmpty());
        for (Job j : submitted) {
            Job done = jobs.get(j.getJobId());
            assertThat(done.getStatus()).as(done.getErrorMessage()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
            // 2 writes + the merge; a write committed twice would count twice.
            assertThat(done.getTasksDone()).isEqualTo(3);
        }
    }

    private static List<String> logs(JobsClient jobs, Job job) {
        List<String> lines = new ArrayList<>();
        jobs.logs(job.getJobId(), 0, false).forEachRemaining(l -> lines.add(l.getMessage()));
        return lines;
    }

    /** The node ids the ledger recorded as committing a job's writes (logged by the test product's merge). */
    private static List<String> committers(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith(TestTasks.COMMITTED_BY))
                .map(l -> l.substring(TestTasks.COMMITTED_BY.length(), l.indexOf(':', TestTasks.COMMITTED_BY.length())))
                .toList();
    }

    private static String role(String host) {
        return host.startsWith("coordinator") ? "coordinator" : host.startsWith("gpu-node") ? "gpu-node" : "gateway";
    }

    /** Prints {@code jcmd Thread.print} of the role's JVM (lock owners and waiters included) to the test's output. */
    private static void dumpThreads(String host, FramegridProcess p) {
        try {
            Process jcmd = new ProcessBuilder("jcmd", Long.toString(p.pid()), "Thread.print", "-l")
                    .redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            System.out.println("==== threads of " + host + " (pid " + p.pid() + ")\n" + dump);
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            System.out.println("==== no thread dump of " + host + ": " + e);
        }
    }

    private static String shortName(String host) {
        return host.replace("coordinator-", "c").replace("gpu-node-", "g").replace("gateway", "gw");
    }

    private static Optional<NodeStatus> node(FramegridClient admin, String name) {
        return admin.nodes().list().stream().filter(n -> n.getName().equals(name)).findFirst();
    }

    /** Stops the JVMs first (they hold the namespaces' links), then removes namespaces, bridge and data; once. */
    private static final class Cleanup implements Runnable {
        private final Path root;
        private final List<FramegridProcess> processes = new ArrayList<>();
        private NetworkNamespaces net;
        private boolean done;

        Cleanup(Path root) {
            this.root = root;
        }

        synchronized NetworkNamespaces net(NetworkNamespaces made) {
            this.net = made;
            return made;
        }

        synchronized FramegridProcess process(FramegridProcess p) {
            processes.add(p);
            return p;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            // A test stopped by its timeout is interrupted: clean up all the same, then keep the interrupt.
            boolean interrupted = Thread.interrupted();
            for (FramegridProcess p : processes) {
                try {
                    p.close();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (net != null) {
                net.close();
            }
            try {
                CoordinatorExtension.deleteRecursively(root);
            } catch (java.io.IOException e) {
                System.err.println("Cannot remove " + root + ": " + e);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
