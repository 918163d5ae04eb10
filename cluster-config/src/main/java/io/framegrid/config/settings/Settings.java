package io.framegrid.config.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Flat key/value settings layered over the documented reference defaults.
 *
 * <p>Only keys present in the reference file are accepted, so a typo in a config file or an
 * environment override fails at start-up instead of being silently ignored.
 */
public final class Settings {
    public static final String REFERENCE_RESOURCE = "/framegrid-reference.properties";
    static final String ENV_PREFIX = "FRAMEGRID_";

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Reference defaults only. */
    public static Settings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(loadReference());
    }

    /** The documented keys, in file order. */
    public static List<String> referenceKeys() {
        return new ArrayList<>(loadReference().keySet());
    }

    /** Environment-variable name that overrides {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new ConfigException("Unknown configuration key '" + key + "'");
        }
        return value;
    }

    public Map<String, String> asMap() {
        return values;
    }

    public int getInt(String key) {
        String raw = get(key).trim();
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + key + "' must be an integer, got '" + raw + "'");
        }
    }

    public int getPort(String key) {
        int port = getInt(key);
        if (port < 0 || port > 65535) {
            throw new ConfigException("'" + key + "' must be a port between 0 and 65535, got " + port);
        }
        return port;
    }

    public long getLong(String key) {
        String raw = get(key).trim();
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + key + "' must be an integer, got '" + raw + "'");
        }
    }

    public boolean getBoolean(String key) {
        String raw = get(key).trim().toLowerCase(Locale.ROOT);
        switch (raw) {
            case "true": case "yes": case "on": return true;
            case "false": case "no": case "off": return false;
            default: throw new ConfigException("'" + key + "' must be true or false, got '" + raw + "'");
        }
    }

    public String getString(String key) {
        return get(key).trim();
    }

    public List<String> getList(String key) {
        String raw = get(key).trim();
        if (raw.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public Duration getDuration(String key) {
        String raw = get(key).trim();
        try {
            return parseDuration(raw);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new ConfigException("'" + key + "' must be a duration like 30s, 5m or PT30M, got '" + raw + "'");
        }
    }

    static Duration parseDuration(String raw) {
        if (raw.startsWith("P") || raw.startsWith("p")) {
            return Duration.parse(raw.toUpperCase(Locale.ROOT));
        }
        int split = 0;
        while (split < raw.length() && Character.isDigit(raw.charAt(split))) {
            split++;
        }
        if (split == 0) {
            throw new IllegalArgumentException(raw);
        }
        long amount = Long.parseLong(raw.substring(0, split));
        switch (raw.substring(split).trim().toLowerCase(Locale.ROOT)) {
            case "ms": return Duration.ofMillis(amount);
            case "s": case "": return Duration.ofSeconds(amount);
            case "m": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            case "d": return Duration.ofDays(amount);
            default: throw new IllegalArgumentException(raw);
        }
    }

    private static Map<String, String> loadReference() {
        try (InputStream in = Settings.class.getResourceAsStream(REFERENCE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(REFERENCE_RESOURCE + " is missing from the classpath");
            }
            return readOrdered(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + REFERENCE_RESOURCE, e);
        }
    }

    /** Properties keeps no order; the documented order is worth keeping for listings. */
    private static Map<String, String> readOrdered(String text) throws IOException {
        Properties props = new Properties();
        props.load(new java.io.StringReader(text));
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            String key = (eq < 0 ? trimmed : trimmed.substring(0, eq)).trim();
            ordered.put(key, props.getProperty(key, ""));
        }
        return ordered;
    }

    /** Layers overrides onto the reference defaults, rejecting undocumented keys. */
    public static final class Builder {
        private final Map<String, String> values;

        private Builder(Map<String, String> reference) {
            this.values = new LinkedHashMap<>(reference);
        }

        public Builder file(Path path) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (IOException e) {
                throw new ConfigException("Cannot read configuration file " + path + ": " + e.getMessage());
            }
            Set<String> unknown = new TreeSet<>();
            for (String key : props.stringPropertyNames()) {
                if (!values.containsKey(key)) {
                    unknown.add(key);
                } else {
                    values.put(key, props.getProperty(key));
                }
            }
            if (!unknown.isEmpty()) {
                throw new ConfigException("Unknown keys in " + path + ": " + unknown
                        + " (see framegrid-reference.properties for the documented keys)");
            }
            return this;
        }

        /** Applies FRAMEGRID_* variables; variables that match no key are ignored (they may belong to scripts). */
        public Builder environment(Map<String, String> env) {
            for (String key : values.keySet()) {
                String value = env.get(envName(key));
                if (value != null) {
                    values.put(key, value);
                }
            }
            return this;
        }

        /** Applies {@code framegrid.<key>} system properties. */
        public Builder systemProperties(Properties props) {
            for (String key : values.keySet()) {
                String value = props.getProperty("framegrid." + key);
                if (value != null) {
                    values.put(key, value);
                }
            }
            return this;
        }

        public Builder set(String key, Object value) {
            if (!values.containsKey(key)) {
                throw new ConfigException("Unknown configuration key '" + key + "'");
            }
            values.put(key, String.valueOf(value));
            return this;
        }

        public Settings build() {
            return new Settings(values);
        }
    }
}
