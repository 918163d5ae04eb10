package io.framegrid.config.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Prometheus configuration, alert rules and Grafana dashboard, checked by Prometheus's own
 * {@code promtool}: the configuration and rules parse, every alert has a unit test that passes, and every
 * dashboard query is valid PromQL. (That they return data from a live cluster: launcher's PrometheusScrapeTest.)
 */
class MonitoringConfigTest {
    private static final Monitoring FILES = Monitoring.inCheckout();

    static String promtool(Path workDir, String... args) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            throw new AssertionError("promtool is not installed: .ci/run installs the Debian package prometheus");
        }
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    void promtoolAcceptsTheScrapeConfigurationWithItsRules() throws Exception {
        String out = promtool(FILES.dir(), "check", "config", "prometheus.yml");
        assertThat(out).contains("SUCCESS").doesNotContain("WARNING");
        assertThat(FILES.scrapeJobs()).containsExactlyInAnyOrder(
                "framegrid-coordinator", "framegrid-gpu-node", "framegrid-gateway", "framegrid-standalone");
        for (JsonNode job : FILES.yaml(FILES.prometheusConfig()).get("scrape_configs")) {
            for (JsonNode sd : job.get("file_sd_configs")) {
                for (JsonNode file : sd.get("files")) {
                    assertThat(FILES.dir().resolve(file.asText())).as("target file of " + job.get("job_name")).isRegularFile();
                }
            }
        }
    }

    @Test
    void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
        assertThat(promtool(FILES.dir(), "check", "rules", "framegrid-rules.yml")).contains("SUCCESS");
        assertThat(promtool(FILES.dir(), "test", "rules", "framegrid-rules.test.yml")).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestThatFiresItAndOneThatDoesNot() {
        Map<String, Set<Boolean>> tested = new java.util.HashMap<>();
        for (JsonNode test : FILES.yaml(FILES.ruleTests()).get("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                tested.computeIfAbsent(check.get("alertname").asText(), a -> new HashSet<>())
                        .add(check.get("exp_alerts").size() > 0);
            }
        }
        assertThat(FILES.alerts()).isNotEmpty();
        FILES.alerts().keySet().forEach(alert ->
                assertThat(tested.get(alert)).as("unit tests of " + alert).containsExactlyInAnyOrder(true, false));
        assertThat(FILES.alerts().keySet()).containsAll(List.of("FramegridTargetDown", "FramegridLeaseExpiryStorm",
                "FramegridJobFailureRate", "FramegridQueueGrowing", "FramegridHttp5xxRate",
                "FramegridDataRegionNearlyFull", "FramegridDiskNearlyFull"));
    }

    @Test
    void everyAlertIsASignalAgainstAThreshold() {
        FILES.alerts().forEach((name, expr) -> assertThat(Monitoring.signal(expr)).as(name).isNotBlank());
        assertThatThrownBy(() -> Monitoring.signal("up == 0 and on() vector(1)"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Monitoring.signal("framegrid:x > 0.2")).isEqualTo("framegrid:x");
    }

    @Test
    void everyDashboardQueryIsValidPromqlAndUsesTheProvisionedDatasource(@TempDir Path tmp) throws Exception {
        Map<String, String> queries = FILES.dashboardQueries();
        assertThat(queries).hasSizeGreaterThan(20);
        // promtool validates PromQL through rule files: each query becomes a recording rule.
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int i = 0;
        for (String expr : queries.values()) {
            rules.append("      - record: dashboard:query_").append(i++).append("\n        expr: '")
                    .append(Monitoring.forPrometheus(expr, "1m").replace("'", "''")).append("'\n");
        }
        Files.writeString(tmp.resolve("dashboard-rules.yml"), rules);
        assertThat(promtool(tmp, "check", "rules", "dashboard-rules.yml")).contains("SUCCESS: " + queries.size() + " rules");

        String uid = FILES.yaml(FILES.dir().resolve("grafana/provisioning/datasources/framegrid.yml"))
                .get("datasources").get(0).get("uid").asText();
        JsonNode dashboard = FILES.dashboardJson();
        assertThat(dashboard.get("uid").asText()).isEqualTo("framegrid-cluster");
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asText().equals("row")) {
                assertThat(panel.get("datasource").get("uid").asText()).as(panel.get("title").asText()).isEqualTo(uid);
                assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            }
        }
        // The dashboard provider must point somewhere: a folder path Grafana reads.
        assertThat(FILES.yaml(FILES.dir().resolve("grafana/provisioning/dashboards/framegrid.yml"))
                .get("providers").get(0).get("options").get("path").asText()).isNotBlank();
    }
}
