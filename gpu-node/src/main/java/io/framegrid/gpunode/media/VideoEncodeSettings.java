package io.framegrid.gpunode.media;

/**
 * How {@link MediaEncoder} writes video.
 *
 * @param container    FFmpeg muxer: {@code mp4}, {@code mov}, {@code matroska}, {@code avi}
 * @param videoBitrate bits per second for H.264 (libopenh264 in the LGPL FFmpeg build needs one)
 * @param audioBitrate bits per second for AAC
 */
public record VideoEncodeSettings(String container, int videoBitrate, int audioBitrate) {

    public static VideoEncodeSettings mp4() {
        return new VideoEncodeSettings("mp4", 2_000_000, 128_000);
    }

    public static VideoEncodeSettings of(String container) {
        return new VideoEncodeSettings(container, 2_000_000, 128_000);
    }
}
