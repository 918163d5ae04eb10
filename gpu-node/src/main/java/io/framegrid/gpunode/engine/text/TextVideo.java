package io.framegrid.gpunode.engine.text;

import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.PlayableFrames;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A whole video through {@link TextRemoval} on one node, re-encoded by the reframer's path
 * ({@link MediaEncoder#transcode}: H.264, the source's audio re-encoded to AAC, same size, fps and frame count, so
 * the same duration). The frames are cleaned chunk by chunk (each chunk decoded with
 * {@link TextEraser.Settings#window()} frames of context on both sides) ahead of the encoder, so memory holds one
 * chunk plus its context, not the video.
 */
public final class TextVideo {

    private final TextRemoval removal;
    private final MediaDecoder decoder;
    private final int chunkFrames;

    /** @param chunkFrames frames cleaned per chunk (the decoder is read again for each chunk's context) */
    public TextVideo(TextRemoval removal, MediaDecoder decoder, int chunkFrames) {
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("chunkFrames must be >= 1");
        }
        this.removal = removal;
        this.decoder = decoder;
        this.chunkFrames = chunkFrames;
    }

    /** Writes {@code source} without its text to {@code out} (MP4); returns the probe of the result. */
    public MediaInfo render(Path source, Path out, List<UserArea> areas) {
        MediaInfo info = new PlayableFrames(decoder).decodable(source, decoder.probe(source));
        long frames = info.frameCount();
        int context = removal.settings().eraser().window();
        Deque<Mat> ready = new ArrayDeque<>();
        long[] next = {0}; // first frame not yet cleaned
        return new MediaEncoder().transcode(source, out, VideoEncodeSettings.mp4(), frame -> {
            if (ready.isEmpty() && next[0] < frames) {
                long first = next[0];
                long last = Math.min(frames, first + chunkFrames) - 1;
                List<DecodedFrame> range = decoder.decodeToList(source,
                        FrameSampling.range(Math.max(0, first - context), Math.min(frames, last + 1 + context)));
                long decodedLast = range.isEmpty() ? first - 1 : range.get(range.size() - 1).index();
                if (decodedLast >= first) {
                    for (DecodedFrame f : removal.clean(range, first, Math.min(last, decodedLast), areas).frames()) {
                        ready.add(f.image());
                    }
                }
                next[0] = last + 1;
            }
            // A stream that plays more frames than it declares keeps its extra frames as they are.
            return ready.isEmpty() ? frame : ready.poll();
        });
    }
}
