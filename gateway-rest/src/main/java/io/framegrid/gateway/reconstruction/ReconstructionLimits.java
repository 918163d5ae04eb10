package io.framegrid.gateway.reconstruction;

import io.framegrid.config.FramegridConfig.Gateway.SurfaceSettings;
import java.time.Duration;

/**
 * Surface D's limits, read from {@code gateway.reconstruction.*}: the spec's 10 requests per second per user in
 * general and 2 per second on the COLMAP routes, 500 MB videos, a cap on one images upload, the probe wait.
 */
public record ReconstructionLimits(int requestsPerSecond, int colmapRequestsPerSecond, int maxUploadMb,
                                   int maxImagesUploadMb, Duration probeTimeout) {
    public static ReconstructionLimits from(SurfaceSettings settings) {
        return new ReconstructionLimits(settings.positiveInt("requests-per-second"),
                settings.positiveInt("colmap-requests-per-second"), settings.positiveInt("max-upload-mb"),
                settings.positiveInt("max-images-upload-mb"), settings.duration("probe-timeout"));
    }
}
