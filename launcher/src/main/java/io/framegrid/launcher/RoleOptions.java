package io.framegrid.launcher;

import io.framegrid.config.ConfigLoader;
import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every role shares: where configuration comes from and ad-hoc overrides. */
final class RoleOptions {
    @Option(names = {"-c", "--config"}, description = "Properties file with settings (see framegrid-reference.properties)")
    Path configFile;

    @Option(names = "--data-dir", description = "Directory for all durable state (overrides data-dir)")
    Path dataDir;

    @Option(names = {"-s", "--set"}, description = "Override one setting, e.g. --set gateway.studio.port=18000",
            mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    Settings settings() {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        if (dataDir != null) {
            all.put("data-dir", dataDir.toString());
        }
        return ConfigLoader.load(configFile, System.getenv(), all);
    }

    FramegridConfig config() {
        return FramegridConfig.from(settings());
    }
}
