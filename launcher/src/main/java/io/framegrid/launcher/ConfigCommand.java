package io.framegrid.launcher;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.Settings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the effective configuration (after file, environment and overrides), validated. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the effective configuration and the environment variable for each key")
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    RoleOptions options = new RoleOptions();

    @Override
    public Integer call() {
        Settings settings = options.settings();
        FramegridConfig.from(settings);
        settings.asMap().forEach((key, value) -> {
            boolean secret = key.endsWith("secret") || key.endsWith("password") || key.endsWith("secret-key");
            System.out.printf("%s=%s    # %s%n", key, secret && !value.isEmpty() ? "<redacted>" : value,
                    Settings.envName(key));
        });
        return 0;
    }
}
