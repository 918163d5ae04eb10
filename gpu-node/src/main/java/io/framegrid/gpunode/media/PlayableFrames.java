package io.framegrid.gpunode.media;

import java.nio.file.Path;

/**
 * What of a video really plays: the frames that decode, not the count a container declares. Shared by every
 * product that probes uploads (C's probe with its limits, A's probe of the annotation pool).
 */
public final class PlayableFrames {
    private final MediaDecoder decoder;

    public PlayableFrames(MediaDecoder decoder) {
        this.decoder = decoder;
    }

    /**
     * {@code info} with the frames that really decode. A container's declared count is trusted when its last
     * frame decodes (one seek); otherwise (a cut or damaged file: OpenCV's tree.avi declares 444 frames and holds
     * 68) the frames are counted by decoding, and the duration follows the count, as ffmpeg and OpenCV play it.
     */
    public MediaInfo decodable(Path file, MediaInfo info) {
        if (!info.frameCountDeclared() || info.frameCount() <= 0) {
            return info;
        }
        long last = info.frameCount() - 1;
        long[] seen = {-1};
        try {
            decoder.decode(file, FrameSampling.range(last, last + 1), f -> {
                seen[0] = f.index();
                return false;
            });
        } catch (MediaException e) {
            // A seek past the real end may fail outright: the count is untrustworthy all the same.
        }
        if (seen[0] == last) {
            return info;
        }
        long[] frames = {0};
        decoder.decode(file, FrameSampling.range(0, Long.MAX_VALUE), f -> {
            frames[0]++;
            return true;
        });
        return withFrames(info, frames[0]);
    }

    /** {@code info} with {@code frames} frames and the duration they last. */
    public static MediaInfo withFrames(MediaInfo info, long frames) {
        double seconds = info.fps() > 0 ? frames / info.fps() : info.durationSeconds();
        return new MediaInfo(info.container(), info.videoCodec(), info.audioCodec(),
                Math.min(info.durationSeconds(), seconds), info.fps(), info.width(), info.height(), frames, false,
                info.audioTracks(), info.audioSampleRate(), info.audioChannels());
    }
}
