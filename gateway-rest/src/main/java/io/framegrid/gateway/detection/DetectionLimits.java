package io.framegrid.gateway.detection;

import io.framegrid.config.FramegridConfig.Gateway.SurfaceSettings;

/**
 * Surface E's limits (the spec's 100 requests/minute per user, 20 MB images, a cap on decoded pixels), read from
 * {@code gateway.detection.*} and validated when the surface is built, so a bad value stops the gateway at start-up.
 */
public record DetectionLimits(int requestsPerMinute, int maxUploadMb, long maxPixels, int wsQueueSize, int wsMaxFps,
        int wsMaxMessageMb) {
    public DetectionLimits {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("gateway.detection.max-pixels must be positive");
        }
    }

    public static DetectionLimits from(SurfaceSettings settings) {
        return new DetectionLimits(settings.positiveInt("requests-per-minute"), settings.positiveInt("max-upload-mb"),
                settings.getLong("max-pixels"), settings.positiveInt("ws-queue-size"), settings.positiveInt("ws-max-fps"),
                settings.positiveInt("ws-max-message-mb"));
    }

    /** The largest image in bytes. */
    public long maxBytes() {
        return (long) maxUploadMb << 20;
    }
}
