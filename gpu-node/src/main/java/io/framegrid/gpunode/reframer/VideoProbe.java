package io.framegrid.gpunode.reframer;

import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.tasks.TaskFailure;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Checks an uploaded video against the spec's limits (a video stream, at least 1 s, at least 320×240) and learns
 * what really plays: the frames that decode, not the count a container declares. Refusals are {@link TaskFailure}s
 * in the words the API user reads.
 */
final class VideoProbe {
    /** The spec's limits on an input video. */
    static final double MIN_SECONDS = 1.0;
    static final int MIN_WIDTH = 320;
    static final int MIN_HEIGHT = 240;

    private final MediaDecoder decoder;

    VideoProbe(MediaDecoder decoder) {
        this.decoder = decoder;
    }

    /** The video as it plays, or a permanent refusal; {@code log} hears what the container got wrong. */
    MediaInfo check(Path file, Consumer<String> log) {
        MediaInfo declared;
        try {
            declared = decoder.probe(file);
        } catch (MediaException e) {
            throw TaskFailure.permanent("Invalid file format: not a readable video", e);
        }
        if (!declared.hasVideo()) {
            throw refused("Invalid file format: no video stream");
        }
        MediaInfo info = decodable(file, declared);
        if (info.frameCount() != declared.frameCount()) {
            log.accept("The container declares " + declared.frameCount() + " frames, " + info.frameCount()
                    + " decode: analysing those");
        }
        if (info.frameCount() == 0) {
            throw refused("Invalid file format: no frame of the video decodes");
        }
        if (info.durationSeconds() < MIN_SECONDS) {
            throw refused(String.format(Locale.ROOT,
                    "Video too short: %.2f s (minimum 1 second)", info.durationSeconds()));
        }
        if (info.width() < MIN_WIDTH || info.height() < MIN_HEIGHT) {
            throw refused("Resolution too low: " + info.width() + "x" + info.height() + " (minimum 320x240)");
        }
        return info;
    }

    /**
     * {@code info} with the frames that really decode. A container's declared count is trusted when its last
     * frame decodes (one seek); otherwise (a cut or damaged file: OpenCV's tree.avi declares 444 frames and holds
     * 68) the frames are counted by decoding, and the duration follows the count, as ffmpeg and OpenCV play it.
     */
    MediaInfo decodable(Path file, MediaInfo info) {
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
    static MediaInfo withFrames(MediaInfo info, long frames) {
        double seconds = info.fps() > 0 ? frames / info.fps() : info.durationSeconds();
        return new MediaInfo(info.container(), info.videoCodec(), info.audioCodec(),
                Math.min(info.durationSeconds(), seconds), info.fps(), info.width(), info.height(), frames, false,
                info.audioTracks(), info.audioSampleRate(), info.audioChannels());
    }

    /** A video the reframer refuses, in the words the API user reads. */
    static TaskFailure refused(String message) {
        return TaskFailure.permanent(message, null);
    }
}
