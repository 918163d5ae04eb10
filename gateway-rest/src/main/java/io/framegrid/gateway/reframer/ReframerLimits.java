package io.framegrid.gateway.reframer;

import io.framegrid.config.FramegridConfig.Gateway.SurfaceSettings;
import java.time.Duration;

/**
 * Surface C's per-API-key limits (the spec's 100 requests/hour, 10 concurrent uploads, 500 MB files) and how long
 * {@code POST /process} waits for the probe, read from {@code gateway.reframer.*} and validated when the surface is
 * built, so a bad value stops the gateway at start-up.
 */
public record ReframerLimits(int requestsPerHour, int concurrentUploads, int maxUploadMb, Duration probeTimeout) {
    public static ReframerLimits from(SurfaceSettings settings) {
        return new ReframerLimits(settings.positiveInt("requests-per-hour"), settings.positiveInt("concurrent-uploads"),
                settings.positiveInt("max-upload-mb"), settings.duration("probe-timeout"));
    }
}
