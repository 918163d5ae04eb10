package io.framegrid.fabric.jobs;

import io.framegrid.proto.cluster.v1.Requirements;
import io.framegrid.proto.cluster.v1.StagePlan;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Job types the coordinator accepts, each with its planner: metadata in, stages out. Products register
 * their types here; the built-in {@code noop} exercises the fabric itself (the jobs benchmark runs it).
 */
public final class JobTypes {
    public static final String NOOP = "noop";

    private final Map<String, Function<Map<String, String>, List<StagePlan>>> planners = new ConcurrentHashMap<>();
    private final Map<String, java.time.Duration> maxDurations = new ConcurrentHashMap<>();

    /** The built-in type: {@code noop}, one task that does nothing. */
    public static JobTypes withBuiltIns() {
        JobTypes types = new JobTypes();
        types.register(NOOP, meta -> List.of(stage("noop", NOOP, 1, meta)));
        return types;
    }

    /**
     * Plans jobs of {@code type} with {@code planner}. A type has one planner: a second registration (two products
     * claiming one name) is refused, so the role fails at start-up instead of one product silently taking over.
     */
    public JobTypes register(String type, Function<Map<String, String>, List<StagePlan>> planner) {
        if (planners.putIfAbsent(type, planner) != null) {
            throw new IllegalStateException("Job type '" + type + "' is registered twice");
        }
        return this;
    }

    /** As {@link #register(String, Function)}; jobs of {@code type} still processing {@code maxDuration} after admission fail. */
    public JobTypes register(String type, Function<Map<String, String>, List<StagePlan>> planner,
            java.time.Duration maxDuration) {
        register(type, planner);
        maxDurations.put(type, maxDuration);
        return this;
    }

    /** Every registered job type. */
    public java.util.Set<String> types() {
        return java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(planners.keySet()));
    }

    /** The longest a job of {@code type} may process; zero = no limit. */
    public java.time.Duration maxDuration(String type) {
        return maxDurations.getOrDefault(type, java.time.Duration.ZERO);
    }

    public Optional<List<StagePlan>> plan(String type, Map<String, String> metadata) {
        Function<Map<String, String>, List<StagePlan>> planner = planners.get(type);
        return planner == null ? Optional.empty() : Optional.of(planner.apply(metadata));
    }

    /** A stage whose requirements come from the {@code requires.gpu} / {@code requires.models} metadata. */
    public static StagePlan stage(String name, String taskType, int chunks, Map<String, String> metadata) {
        Requirements.Builder req = Requirements.newBuilder()
                .setGpu(Boolean.parseBoolean(metadata.getOrDefault("requires.gpu", "false")));
        String models = metadata.getOrDefault("requires.models", "");
        Arrays.stream(models.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(req::addModels);
        return StagePlan.newBuilder().setName(name).setTaskType(taskType).setChunks(chunks).setRequirements(req).build();
    }

    /** An integer job parameter within {@code [min, max]}; a bad value is the caller's error. */
    public static int intParam(Map<String, String> meta, String key, int fallback, int min, int max) {
        String raw = meta.get(key);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer");
        }
    }
}
