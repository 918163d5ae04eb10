package io.framegrid.gpunode.media;

/**
 * What a probe learns about a media file.
 *
 * @param container     FFmpeg demuxer name, e.g. {@code avi} or {@code mov,mp4,m4a,3gp,3g2,mj2}
 * @param videoCodec    video codec name, or empty when there is no video stream
 * @param frameCount    frame count: from the container header when {@code frameCountDeclared}, else estimated
 *                      from duration × fps (decoding is exact)
 * @param audioTracks   number of audio streams
 */
public record MediaInfo(
        String container,
        String videoCodec,
        String audioCodec,
        double durationSeconds,
        double fps,
        int width,
        int height,
        long frameCount,
        boolean frameCountDeclared,
        int audioTracks,
        int audioSampleRate,
        int audioChannels) {

    public boolean hasVideo() {
        return !videoCodec.isEmpty();
    }

    public boolean hasAudio() {
        return audioTracks > 0;
    }
}
