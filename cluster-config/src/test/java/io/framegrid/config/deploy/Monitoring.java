package io.framegrid.config.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped monitoring files ({@code cluster-config/deploy/monitoring}) as data: the rules, the dashboard's
 * queries, the scrape jobs. Other modules' tests (the real-Prometheus test in launcher) read them through this,
 * so there is one reading of the files.
 */
public final class Monitoring {
    /** An alert is {@code <signal> <comparison> <threshold>}: the signal is what must return data. */
    private static final Pattern ALERT = Pattern.compile("(?s)^(.+?)\\s*(==|!=|>=|<=|>|<)\\s*(-?[0-9.]+)\\s*$");
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public Monitoring(Path dir) {
        this.dir = dir;
    }

    /** The folder in this checkout, from any module's working directory. */
    public static Monitoring inCheckout() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("cluster-config/deploy/monitoring");
            if (Files.isDirectory(candidate)) {
                return new Monitoring(candidate);
            }
        }
        throw new IllegalStateException("cluster-config/deploy/monitoring not found above " + Path.of("").toAbsolutePath());
    }

    public Path dir() {
        return dir;
    }

    public Path prometheusConfig() {
        return dir.resolve("prometheus.yml");
    }

    public Path rules() {
        return dir.resolve("framegrid-rules.yml");
    }

    public Path ruleTests() {
        return dir.resolve("framegrid-rules.test.yml");
    }

    public Path dashboard() {
        return dir.resolve("grafana/dashboards/framegrid.json");
    }

    public JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode dashboardJson() {
        try {
            return JSON.readTree(dashboard().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Recording rule name → expression. */
    public Map<String, String> recordingRules() {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode group : yaml(rules()).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                if (rule.has("record")) {
                    out.put(rule.get("record").asText(), rule.get("expr").asText().trim());
                }
            }
        }
        return out;
    }

    /** Alert name → expression. */
    public Map<String, String> alerts() {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode group : yaml(rules()).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                if (rule.has("alert")) {
                    out.put(rule.get("alert").asText(), rule.get("expr").asText().trim());
                }
            }
        }
        return out;
    }

    /** The signal of an alert expression (its left side); fails on one that breaks the file's convention. */
    public static String signal(String alertExpr) {
        Matcher m = ALERT.matcher(alertExpr);
        if (!m.matches()) {
            throw new IllegalArgumentException("Alert expression is not '<signal> <op> <threshold>': " + alertExpr);
        }
        return m.group(1);
    }

    /** Every query of the dashboard's panels ("panel title / refId" → PromQL, Grafana's interval macros kept). */
    public Map<String, String> dashboardQueries() {
        Map<String, String> out = new LinkedHashMap<>();
        collect(dashboardJson().get("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, Map<String, String> out) {
        for (JsonNode panel : panels) {
            if (panel.has("panels")) {
                collect(panel.get("panels"), out);
            }
            for (JsonNode target : panel.path("targets")) {
                out.put(panel.get("title").asText() + " / " + target.get("refId").asText(), target.get("expr").asText());
            }
        }
    }

    /** A dashboard query as Prometheus takes it: Grafana's {@code $__rate_interval} and friends replaced. */
    public static String forPrometheus(String grafanaExpr, String rateInterval) {
        return grafanaExpr.replace("$__rate_interval", rateInterval).replace("$__interval", rateInterval)
                .replace("$__range", rateInterval);
    }

    /** Scrape job names of the shipped configuration. */
    public List<String> scrapeJobs() {
        List<String> jobs = new ArrayList<>();
        yaml(prometheusConfig()).get("scrape_configs").forEach(j -> jobs.add(j.get("job_name").asText()));
        return jobs;
    }
}
