package io.framegrid.gpunode.studio;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.engine.lipsync.LipSyncModels;
import io.framegrid.gpunode.engine.text.TextRemoval;
import io.framegrid.gpunode.media.LocalMediaCopy;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.PlayableFrames;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Product B's gpu-node plug-in: {@code studio.probe} reads an uploaded video (a local copy, since FFmpeg seeks) and
 * records on the media its duration (the GhostCut job's billable seconds), frame rate and decodable frames. A file
 * that is no readable video fails the job permanently, in words the API user reads. GhostCut's text removal runs
 * as {@link GhostCutTasks} (detect per range, erase per range, mux) over {@code engine.text}; pro-sync as
 * {@link ProSyncTasks} (render per timeline piece, mux), with the {@code engine.lipsync} model when one is installed.
 * An audio probe ({@link StudioContract#PROBE_AUDIO}) measures an audio file's duration from its decoded samples.
 */
public final class StudioExecutors implements NodeProduct {
    static final String UNREADABLE = "Invalid video file: not a readable video";
    static final String UNREADABLE_AUDIO = "Invalid audio file: not readable audio";

    @Override
    public String name() {
        return StudioContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        Probe probe = new Probe(context.media(), new MediaDecoder());
        executors.register(StudioContract.PROBE, probe::probe);
        GhostCutTasks ghostCut = new GhostCutTasks(context.media(), new TextRemoval(context.inference(),
                context.device().kernels(), TextRemoval.Settings.defaults()));
        executors.register(StudioContract.TASK_GHOSTCUT_DETECT, GhostCutTasks.plainFailures(ghostCut::detect));
        executors.register(StudioContract.TASK_GHOSTCUT_ERASE, GhostCutTasks.plainFailures(ghostCut::erase));
        executors.register(StudioContract.TASK_GHOSTCUT_MUX, GhostCutTasks.plainFailures(ghostCut::mux));
        // No lip-sync model ships (none is licensed for redistribution): without an installed one, jobs dub and say
        // "lipsync": "none".
        ProSyncTasks proSync = new ProSyncTasks(context.media(), new TextRemoval(context.inference(),
                context.device().kernels(), TextRemoval.Settings.defaults().withAutoDetect(false)),
                new InstalledLipSync(new LipSyncModels(context.inference())));
        executors.register(StudioContract.TASK_PRO_SYNC, GhostCutTasks.plainFailures(proSync::render));
        executors.register(StudioContract.TASK_PRO_SYNC_MUX, GhostCutTasks.plainFailures(proSync::mux));
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
            String mediaId = ctx.params().getOrDefault(StudioContract.MEDIA_ID, "");
            // The coordinator's probe (as PROBE_OWNER, for the media's owner) or the owner's own job: a job naming
            // someone else's media id finds nothing.
            String owner = ctx.task().getOwnerId();
            String forUser = StudioContract.PROBE_OWNER.equals(owner)
                    ? ctx.params().getOrDefault(StudioContract.MEDIA_OWNER, "") : owner;
            Media m = media.get(mediaId).filter(found -> found.getOwnerId().equals(forUser))
                    .orElseThrow(() -> TaskFailure.permanent("Video " + mediaId + " not found", null));
            try (LocalMediaCopy local = LocalMediaCopy.of(media, m, "framegrid-studio-", ".video")) {
                Path file = local.file();
                if (Boolean.parseBoolean(ctx.params().getOrDefault(StudioContract.PROBE_AUDIO, "false"))) {
                    return probeAudio(mediaId, file);
                }
                MediaInfo info = inspect(file);
                long durationMs = Math.round(info.durationSeconds() * 1000);
                media.putProbe(mediaId, Map.of(StudioContract.PROBE_DURATION_MS, Long.toString(durationMs),
                        StudioContract.PROBE_FPS, String.format(Locale.ROOT, "%.3f", info.fps()),
                        StudioContract.PROBE_FRAMES, Long.toString(info.frameCount()),
                        StudioContract.PROBE_WIDTH, Integer.toString(info.width()),
                        StudioContract.PROBE_HEIGHT, Integer.toString(info.height())));
                return new TaskCommit(new byte[0], List.of("probe:" + mediaId), 0, List.of("Probed "
                        + info.frameCount() + " frames at " + info.fps() + " fps, " + durationMs + " ms"));
            }
        }

        /** An audio file's duration from its decoded samples (at its own rate), not from a header. */
        private TaskCommit probeAudio(String mediaId, Path file) {
            io.framegrid.gpunode.media.AudioPcm pcm;
            try {
                MediaInfo info = decoder.probe(file);
                if (!info.hasAudio()) {
                    throw TaskFailure.permanent("Invalid audio file: no audio stream", null);
                }
                pcm = io.framegrid.gpunode.media.AudioPcm.decode(file, info.audioSampleRate(), 1);
            } catch (MediaException e) {
                throw TaskFailure.permanent(UNREADABLE_AUDIO, e);
            }
            if (pcm.frames() == 0) {
                throw TaskFailure.permanent("Invalid audio file: no sample decodes", null);
            }
            long durationMs = Math.round(pcm.durationSeconds() * 1000);
            media.putProbe(mediaId, Map.of(StudioContract.PROBE_DURATION_MS, Long.toString(durationMs),
                    StudioContract.PROBE_AUDIO, "true", StudioContract.PROBE_FPS, "0", StudioContract.PROBE_FRAMES,
                    Long.toString(pcm.frames())));
            return new TaskCommit(new byte[0], List.of("probe:" + mediaId), 0, List.of("Probed audio: "
                    + pcm.frames() + " samples at " + pcm.sampleRate() + " Hz, " + durationMs + " ms"));
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
            if (info.frameCount() <= 0 || info.durationSeconds() <= 0) {
                throw TaskFailure.permanent("Invalid video file: no frame of the video decodes", null);
            }
            return info;
        }
    }
}
