package io.framegrid.config.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deploy files (Kubernetes manifests, systemd units, the many-hosts properties) against the configuration
 * reference: every key and FRAMEGRID_* variable they name exists, every value they set validates, and every port
 * they expose, probe or route is the one the configuration makes the role listen on. A renamed key or a changed
 * default fails here instead of in a cluster.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Monitoring.inCheckout().dir().getParent();
    private static final Pattern ENV = Pattern.compile("FRAMEGRID_[A-Z0-9_]+");
    /** Launcher-level variables that are not configuration keys (read by logback.xml). */
    private static final Set<String> NOT_KEYS = Set.of("FRAMEGRID_STARTUP_LOG", "FRAMEGRID_LOG_LEVEL");
    private static final Map<String, Map<String, String>> ROLE_PORTS = Map.of(
            "coordinator", Map.of("grpc", "coordinator.grpc.port", "discovery", "grid.discovery.port",
                    "comm", "grid.communication.port", "metrics", "metrics.port"),
            "gpu-node", Map.of("grpc", "gpu-node.grpc.port", "comm", "grid.communication.port", "metrics", "metrics.port"),
            "gateway", gatewayPorts());

    private static Map<String, String> gatewayPorts() {
        Map<String, String> ports = new HashMap<>();
        for (String key : Settings.referenceKeys()) {
            Matcher m = Pattern.compile("gateway\\.([a-z0-9-]+)\\.port").matcher(key);
            if (m.matches()) {
                ports.put(m.group(1), key);
            }
        }
        ports.put("metrics", "metrics.port");
        return ports;
    }

    private static Map<String, String> defaults() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Settings.class.getClassLoader().getResourceAsStream("framegrid-reference.properties")) {
            p.load(in);
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static Map<String, String> properties(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    /** Keys known to the reference, values accepted by the typed configuration. */
    private static void assertValidSettings(String origin, Map<String, String> settings) {
        assertThat(Settings.referenceKeys()).as("keys of " + origin).containsAll(settings.keySet());
        Settings.Builder b = Settings.builder();
        settings.forEach(b::set);
        FramegridConfig.from(b.build());
    }

    private static List<JsonNode> manifests() throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(f.toFile())) {
                    it.forEachRemaining(d -> {
                        if (d != null && !d.isEmpty()) {
                            docs.add(d);
                        }
                    });
                }
            }
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> d.get("kind").asText().equals(kind)
                && d.get("metadata").get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    @Test
    void everyFramegridVariableOfEveryDeployFileIsAConfigurationKey() throws IOException {
        Set<String> known = Settings.referenceKeys().stream().map(Settings::envName).collect(Collectors.toSet());
        int seen = 0;
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().contains("monitoring")).toList()) {
                Matcher m = ENV.matcher(Files.readString(f));
                while (m.find()) {
                    seen++;
                    assertThat(known.contains(m.group()) || NOT_KEYS.contains(m.group()))
                            .as(m.group() + " in " + DEPLOY.relativize(f) + " names no configuration key").isTrue();
                }
            }
        }
        assertThat(seen).isGreaterThan(5);
    }

    @Test
    void kubernetesWorkloadsListenWhereTheirConfigurationSaysAndServicesRouteThere() throws IOException {
        List<JsonNode> docs = manifests();
        Map<String, String> config = defaults();
        Map<String, String> configMap = properties(kind(docs, "ConfigMap", "framegrid-config").get("data")
                .get("framegrid.properties").asText());
        assertValidSettings("the ConfigMap", configMap);
        config.putAll(configMap);

        Map<String, Map<String, Integer>> portsByWorkload = new HashMap<>();
        int containers = 0;
        for (JsonNode doc : docs) {
            if (!Set.of("StatefulSet", "Deployment").contains(doc.get("kind").asText())) {
                continue;
            }
            JsonNode pod = doc.get("spec").get("template");
            for (JsonNode c : pod.get("spec").get("containers")) {
                containers++;
                String role = c.get("args").get(0).asText();
                assertThat(ROLE_PORTS).as("role of " + doc.get("metadata").get("name")).containsKey(role);
                assertThat(c.get("args").toString()).contains("--config", "/etc/framegrid/framegrid.properties");
                Map<String, String> effective = new HashMap<>(config);
                for (JsonNode env : c.path("env")) {
                    String name = env.get("name").asText();
                    String key = Settings.referenceKeys().stream().filter(k -> Settings.envName(k).equals(name))
                            .findFirst().orElseThrow(() -> new AssertionError(name + " names no key"));
                    if (env.has("value")) {
                        effective.put(key, env.get("value").asText());
                    }
                }
                Map<String, Integer> ports = new HashMap<>();
                for (JsonNode port : c.get("ports")) {
                    String name = port.get("name").asText();
                    String key = ROLE_PORTS.get(role).get(name);
                    assertThat(key).as(role + " port " + name + " maps to no key").isNotNull();
                    assertThat(port.get("containerPort").asInt()).as(role + " " + name + " = " + key)
                            .isEqualTo(Integer.parseInt(effective.get(key)));
                    ports.put(name, port.get("containerPort").asInt());
                }
                // Every port the role listens on is exposed (a new gateway surface needs its port here too).
                assertThat(ports.keySet()).as(role + " ports").containsAll(ROLE_PORTS.get(role).keySet().stream()
                        .filter(n -> !(role.equals("gpu-node") && n.equals("discovery"))).toList());
                String metrics = pod.get("metadata").get("annotations").get("prometheus.io/port").asText();
                assertThat(Integer.parseInt(metrics)).isEqualTo(ports.get("metrics"));
                JsonNode probe = c.get("readinessProbe");
                if (probe.has("grpc")) {
                    assertThat(probe.get("grpc").get("port").asInt()).isEqualTo(ports.get("grpc"));
                } else {
                    assertThat(probe.get("httpGet").get("port").asText()).isIn(ports.keySet());
                }
                portsByWorkload.put(doc.get("metadata").get("name").asText(), ports);
            }
        }
        assertThat(containers).isEqualTo(3);

        // Services route to named ports their workload has.
        for (JsonNode doc : docs) {
            if (!doc.get("kind").asText().equals("Service")) {
                continue;
            }
            String app = doc.get("spec").get("selector").get("app.kubernetes.io/name").asText();
            Map<String, Integer> ports = portsByWorkload.get(app);
            assertThat(ports).as("workload of service " + doc.get("metadata").get("name")).isNotNull();
            for (JsonNode port : doc.get("spec").get("ports")) {
                assertThat(ports).as(doc.get("metadata").get("name") + " " + port).containsKey(port.get("targetPort").asText());
                assertThat(port.get("port").asInt()).isEqualTo(ports.get(port.get("targetPort").asText()));
            }
        }

        // Coordinators: a StatefulSet with volumes, discovery through its headless service, the data folder on the volume.
        JsonNode coordinators = kind(docs, "StatefulSet", "framegrid-coordinator");
        String headless = coordinators.get("spec").get("serviceName").asText();
        assertThat(kind(docs, "Service", headless).get("spec").get("clusterIP").asText()).isEqualTo("None");
        assertThat(coordinators.get("spec").get("volumeClaimTemplates")).isNotEmpty();
        String mount = coordinators.get("spec").get("template").get("spec").get("containers").get(0).get("volumeMounts")
                .findValues("mountPath").stream().map(JsonNode::asText).filter(config.get("data-dir")::equals)
                .findFirst().orElse(null);
        assertThat(mount).as("data-dir on the claim").isEqualTo(config.get("data-dir"));
        int replicas = coordinators.get("spec").get("replicas").asInt();
        List<String> seeds = List.of(config.get("grid.discovery.addresses").split(","));
        assertThat(seeds).hasSize(replicas);
        for (int i = 0; i < replicas; i++) {
            assertThat(seeds.get(i)).isEqualTo("framegrid-coordinator-" + i + "." + headless + ":"
                    + config.get("grid.discovery.port"));
        }
        // gpu-nodes ask for a GPU; the gateway reaches coordinators through their gRPC service.
        assertThat(kind(docs, "Deployment", "framegrid-gpu-node").get("spec").get("template").get("spec")
                .get("containers").get(0).get("resources").get("limits").get("nvidia.com/gpu").asInt()).isEqualTo(1);
        String[] target = config.get("gateway.coordinator-target").split(":");
        JsonNode grpcService = kind(docs, "Service", target[0]);
        assertThat(grpcService.get("spec").get("ports").get(0).get("port").asInt()).isEqualTo(Integer.parseInt(target[1]));
        assertThat(kind(docs, "Service", "framegrid-gateway").get("spec").get("ports")).hasSize(ROLE_PORTS.get("gateway").size() - 1);
    }

    @Test
    void theManyHostsFilesAreValidAndAgreeOnAddressesAndPorts() throws IOException {
        Map<String, Map<String, String>> hosts = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("hosts"))) {
            for (Path f : files.sorted().toList()) {
                Map<String, String> p = properties(Files.readString(f));
                assertValidSettings(f.getFileName().toString(), p);
                hosts.put(f.getFileName().toString().replace(".properties", ""), p);
            }
        }
        List<String> coordinators = hosts.keySet().stream().filter(h -> h.startsWith("coordinator")).toList();
        assertThat(coordinators).hasSizeGreaterThanOrEqualTo(2);
        Set<String> seeds = new HashSet<>();
        for (String c : coordinators) {
            Map<String, String> p = hosts.get(c);
            assertThat(p.get("grid.local-address")).doesNotStartWith("127.");
            seeds.add(p.get("grid.local-address") + ":" + p.get("grid.discovery.port"));
        }
        Set<String> consistentIds = new HashSet<>();
        hosts.forEach((host, p) -> {
            if (!host.startsWith("gateway")) {
                assertThat(Set.of(p.get("grid.discovery.addresses").split(","))).as(host).isEqualTo(seeds);
                assertThat(p.get("grid.local-address")).as(host).doesNotStartWith("127.");
            }
            if (host.startsWith("coordinator")) {
                assertThat(consistentIds.add(p.get("grid.consistent-id"))).as("unique consistent id " + host).isTrue();
            }
        });
        String[] target = hosts.get("gateway").get("gateway.coordinator-target").split(":");
        Map<String, String> first = hosts.get(coordinators.get(0));
        assertThat(target[0] + ":" + target[1]).isEqualTo(first.get("grid.local-address") + ":" + first.get("coordinator.grpc.port"));
    }

    @Test
    void systemdUnitsRunARoleWithItsHostFileAndKnownVariables() throws IOException {
        try (Stream<Path> units = Files.list(DEPLOY.resolve("systemd"))) {
            List<Path> services = units.filter(p -> p.toString().endsWith(".service")).sorted().toList();
            assertThat(services).hasSize(3);
            for (Path unit : services) {
                String text = Files.readString(unit);
                String role = unit.getFileName().toString().replace("framegrid-", "").replace(".service", "");
                assertThat(ROLE_PORTS).containsKey(role);
                assertThat(text).contains("framegrid.jar " + role + " --config /etc/framegrid/" + role + ".properties",
                        "SuccessExitStatus=143", "[Install]");
                try (Stream<Path> hostFiles = Files.list(DEPLOY.resolve("hosts"))) {
                    assertThat(hostFiles.map(p -> p.getFileName().toString()).anyMatch(n -> n.startsWith(role)))
                            .as("a host file for " + role).isTrue();
                }
            }
        }
    }
}
