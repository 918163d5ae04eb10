package io.framegrid.gpunode.reconstruction;

import static io.framegrid.proto.reconstruction.ReconstructionContract.*;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.v1.FramesResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The video side of product D: {@code reconstruction.probe} decodes an upload and records what plays (a file that is
 * no readable video fails permanently, in words the API user reads), and {@code reconstruction.extract} writes the
 * chosen frames as JPEGs into one zip in the media library: one frame every {@code interval} seconds, or keyframes
 * picked by {@link KeyframeSelector} (sharpness and tracked-feature parallax).
 */
final class VideoFrames {
    static final String UNREADABLE = "Invalid video file: not a readable video";

    private final StageFiles files;
    private final MediaDecoder decoder;
    private final KeyframeSelector keyframes;

    VideoFrames(StageFiles files, MediaDecoder decoder, KeyframeSelector keyframes) {
        this.files = files;
        this.decoder = decoder;
        this.keyframes = keyframes;
    }

    TaskCommit probe(TaskContext ctx) throws Exception {
        Media m = files.owned(ctx.params().getOrDefault(MEDIA_ID, ""), ctx.task().getOwnerId());
        return ColmapStages.inWorkspace(ctx, ws -> {
            Path video = ws.resolve("video");
            files.download(m, video);
            MediaInfo info = inspect(video);
            files.library().putProbe(m.getMediaId(), Map.of(PROBE_FRAMES, Long.toString(info.frameCount()),
                    PROBE_FPS, String.format(Locale.ROOT, "%.3f", info.fps()),
                    PROBE_DURATION, String.format(Locale.ROOT, "%.3f", info.durationSeconds())));
            return new TaskCommit(new byte[0], List.of("probe:" + m.getMediaId()), 0, List.of("Probed "
                    + info.width() + "x" + info.height() + ", " + info.frameCount() + " frames at " + info.fps()
                    + " fps"));
        });
    }

    TaskCommit extract(TaskContext ctx) throws Exception {
        Media m = files.owned(ctx.params().getOrDefault(MEDIA_ID, ""), ctx.task().getOwnerId());
        String strategy = ctx.params().getOrDefault(STRATEGY, STRATEGY_INTERVAL);
        double interval = Double.parseDouble(ctx.params().getOrDefault(INTERVAL, "1"));
        int maxFrames = Integer.parseInt(ctx.params().getOrDefault(MAX_FRAMES, "0"));
        return ColmapStages.inWorkspace(ctx, ws -> {
            Path video = ws.resolve("video");
            files.download(m, video);
            MediaInfo info = inspect(video);
            Path dir = Files.createDirectories(ws.resolve("frames"));
            FramesResult.Builder result = FramesResult.newBuilder().setStrategy(strategy).setFps(info.fps());
            long total = Math.max(1, info.frameCount());
            long[] decoded = {0};
            if (strategy.equals(STRATEGY_KEYFRAMES)) {
                KeyframeSelector.Selection sel = keyframes.select(decoder, video, total, ctx);
                decoded[0] = sel.decoded();
                for (int i = 0; i < sel.frames().size(); i++) {
                    KeyframeSelector.Keyframe k = sel.frames().get(i);
                    write(dir, result.getFrames(), k.index(), k.image());
                    result.addFrameIndexes(k.index()).addSharpness(k.sharpness()).setFrames(result.getFrames() + 1);
                    k.image().close();
                    if (maxFrames > 0 && result.getFrames() >= maxFrames) {
                        break;
                    }
                }
            } else {
                long step = Math.round(interval * 1_000_000);
                long[] next = {0};
                try {
                    decoder.decode(video, FrameSampling.all(), frame -> {
                        decoded[0]++;
                        ctx.checkCancelled();
                        if (frame.timestampMicros() + 500 >= next[0]) {
                            write(dir, result.getFrames(), frame.index(), frame.image());
                            result.addFrameIndexes(frame.index()).setFrames(result.getFrames() + 1);
                            next[0] = ((frame.timestampMicros() + 500) / step + 1) * step;
                        }
                        ctx.progress((int) Math.min(95, 95 * decoded[0] / total), "Extracting frames");
                        return maxFrames <= 0 || result.getFrames() < maxFrames;
                    });
                } catch (MediaException e) {
                    throw TaskFailure.permanent("The video could not be decoded: the file is corrupt or cut short", e);
                }
            }
            if (result.getFrames() == 0) {
                throw TaskFailure.permanent("No frame could be extracted from the video", null);
            }
            Path zip = ws.resolve("frames.zip");
            StageFiles.zip(dir, zip);
            Media stored = files.store(zip, ctx.task().getOwnerId(), "frames.zip", "application/zip",
                    ctx.params().getOrDefault(PROJECT_ID, ""));
            result.setZipMediaId(stored.getMediaId()).setDecodedFrames(decoded[0]);
            return new TaskCommit(result.build().toByteArray(), List.of(FRAMES_REF + stored.getMediaId()), 0,
                    List.of("Extracted " + result.getFrames() + " frames (" + strategy + ") of " + decoded[0]
                            + " decoded"));
        });
    }

    private static void write(Path dir, int n, long index, org.bytedeco.opencv.opencv_core.Mat image) {
        Path file = dir.resolve(String.format(Locale.ROOT, "frame_%05d_%06d.jpg", n, index));
        if (!imwrite(file.toString(), image)) {
            throw new MediaException("cannot write " + file);
        }
    }

    private MediaInfo inspect(Path file) throws IOException {
        MediaInfo info;
        try {
            info = decoder.probe(file);
        } catch (MediaException e) {
            throw TaskFailure.permanent(UNREADABLE, e);
        }
        if (!info.hasVideo() || info.width() <= 0) {
            throw TaskFailure.permanent("Invalid video file: no video stream", null);
        }
        return info;
    }
}
