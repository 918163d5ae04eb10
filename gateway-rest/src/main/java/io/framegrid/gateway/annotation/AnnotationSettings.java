package io.framegrid.gateway.annotation;

import io.framegrid.config.FramegridConfig.Gateway.SurfaceSettings;
import java.time.Duration;

/**
 * Surface A's keys, {@code gateway.annotation.*}, read and validated when the surface is built (a bad value stops
 * the gateway at start-up): the video size cap, how long an upload waits for its probe, the annotation lock's
 * lease length, the largest CSV accepted, and how long inference and training are waited for.
 */
public record AnnotationSettings(int maxUploadMb, Duration probeTimeout, Duration lockTtl, int maxCsvMb,
        Duration inferenceTimeout) {
    public static AnnotationSettings from(SurfaceSettings settings) {
        Duration ttl = settings.duration("lock-ttl");
        if (ttl.toMillis() < 1_000 || ttl.toHours() > 24) {
            throw new IllegalArgumentException("gateway.annotation.lock-ttl must be between 1s and 24h");
        }
        return new AnnotationSettings(settings.positiveInt("max-upload-mb"), settings.duration("probe-timeout"), ttl,
                settings.positiveInt("max-csv-mb"), settings.duration("inference-timeout"));
    }
}
