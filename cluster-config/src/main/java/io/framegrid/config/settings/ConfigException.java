package io.framegrid.config.settings;

/** A configuration value is missing, unknown or malformed; the message names the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
