package io.framegrid.config;

import io.framegrid.config.settings.Settings;
import java.nio.file.Path;
import java.util.Map;

/** Loads the configuration in the documented order: reference defaults, file, environment, system properties. */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static Settings load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Settings.Builder builder = Settings.builder();
        if (file != null) {
            builder.file(file);
        }
        builder.environment(env).systemProperties(System.getProperties());
        overrides.forEach(builder::set);
        return builder.build();
    }
}
