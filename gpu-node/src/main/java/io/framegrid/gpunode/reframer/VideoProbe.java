package io.framegrid.gpunode.reframer;

import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.PlayableFrames;
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
    private final PlayableFrames playable;

    VideoProbe(MediaDecoder decoder) {
        this.decoder = decoder;
        this.playable = new PlayableFrames(decoder);
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

    /** {@code info} with the frames that really decode (see {@link PlayableFrames#decodable}). */
    MediaInfo decodable(Path file, MediaInfo info) {
        return playable.decodable(file, info);
    }

    /** {@code info} with {@code frames} frames and the duration they last. */
    static MediaInfo withFrames(MediaInfo info, long frames) {
        return PlayableFrames.withFrames(info, frames);
    }

    /** A video the reframer refuses, in the words the API user reads. */
    static TaskFailure refused(String message) {
        return TaskFailure.permanent(message, null);
    }
}
