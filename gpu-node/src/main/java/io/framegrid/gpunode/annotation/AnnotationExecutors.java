package io.framegrid.gpunode.annotation;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.media.LocalMediaCopy;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.PlayableFrames;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.media.v1.Media;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Product A's gpu-node plug-in: {@code annotation.probe} reads an uploaded video (a local copy, since FFmpeg seeks)
 * and records on the media what plays: duration, frame rate and the frames that decode. A file that is no
 * readable video fails the job permanently (every node would fail it alike) in words the API user reads.
 */
public final class AnnotationExecutors implements NodeProduct {
    static final String UNREADABLE = "Invalid video file: not a readable video";

    @Override
    public String name() {
        return AnnotationContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        // A plain decoder: probing reads each upload once, nothing worth the frame cache.
        Probe probe = new Probe(context.media(), new MediaDecoder());
        executors.register(AnnotationContract.PROBE, probe::probe);
        SpeedTasks speed = new SpeedTasks(context.ignite(), context.media(), new MediaDecoder());
        executors.register(AnnotationContract.FLOW, speed::flow);
        executors.register(AnnotationContract.PREDICT, speed::predict);
        executors.register(AnnotationContract.FIT, speed::fit);
    }

    static final class Probe {
        private final MediaLibrary media;
        private final MediaDecoder decoder;
        private final PlayableFrames playable;

        Probe(MediaLibrary media, MediaDecoder decoder) {
            this.media = media;
            this.decoder = decoder;
            this.playable = new PlayableFrames(decoder);
        }

        TaskCommit probe(TaskContext ctx) throws IOException {
            String mediaId = ctx.params().getOrDefault(AnnotationContract.MEDIA_ID, "");
            // Only the job owner's own upload: a job naming someone else's media id finds nothing.
            Media m = media.get(mediaId).filter(found -> found.getOwnerId().equals(ctx.task().getOwnerId()))
                    .orElseThrow(() -> TaskFailure.permanent("Video " + mediaId + " not found", null));
            try (LocalMediaCopy local = LocalMediaCopy.of(media, m, "framegrid-annotation-", ".video")) {
                MediaInfo info = inspect(local.file());
                long durationMs = Math.round(info.durationSeconds() * 1000);
                media.putProbe(mediaId, Map.of(AnnotationContract.DURATION_MS, Long.toString(durationMs),
                        AnnotationContract.FPS, String.format(Locale.ROOT, "%.3f", info.fps()),
                        AnnotationContract.FRAMES, Long.toString(info.frameCount())));
                return new TaskCommit(new byte[0], List.of("probe:" + mediaId), 0, List.of("Probed "
                        + info.frameCount() + " frames at " + info.fps() + " fps, " + durationMs + " ms"));
            }
        }

        private MediaInfo inspect(Path file) {
            MediaInfo info;
            try {
                info = decoder.probe(file);
                if (!info.hasVideo()) {
                    throw TaskFailure.permanent("Invalid video file: no video stream", null);
                }
                info = playable.decodable(file, info);
            } catch (MediaException e) {
                throw TaskFailure.permanent(UNREADABLE, e);
            }
            if (info.frameCount() <= 0) {
                throw TaskFailure.permanent("Invalid video file: no frame of the video decodes", null);
            }
            return info;
        }
    }
}
