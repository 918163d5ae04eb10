package io.framegrid.gpunode.studio;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.engine.text.FrameBoxes;
import io.framegrid.gpunode.engine.text.TextRemoval;
import io.framegrid.gpunode.engine.text.TextTracks;
import io.framegrid.gpunode.engine.text.UserArea;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.LocalMediaCopy;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutor;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * GhostCut's three stages on a gpu-node ({@link StudioContract#TASK_GHOSTCUT_DETECT}, {@code _ERASE},
 * {@code _MUX}). Every step is a function of the input video and the job's parameters only (frames sampled by
 * index, tracks rebuilt from all ranges in every erase task, lossless intermediate frames), so a range rerun on
 * another node after a failure commits what the first attempt would have, and the result equals an uninterrupted
 * run's. Intermediate segments are media of the job's owner, deleted once the result is stored; the coordinator
 * deletes those of a job that ends otherwise (failed, cancelled, a retried attempt's) as the job ends.
 */
final class GhostCutTasks {
    static final String FAILED = "Text removal failed on a compute node";
    static final String UNDECODABLE = "The video could not be decoded: the file is corrupt or cut short";

    private final MediaLibrary media;
    private final TextRemoval removal;
    private final MediaDecoder decoder = new MediaDecoder();

    GhostCutTasks(MediaLibrary media, TextRemoval removal) {
        this.media = media;
        this.removal = removal;
    }

    /** Media errors are permanent (the file is what it is); anything else is retried, then reads as {@link #FAILED}. */
    static TaskExecutor plainFailures(TaskExecutor executor) {
        return ctx -> {
            try {
                return executor.execute(ctx);
            } catch (TaskFailure | CancellationException | InterruptedException
                    | io.framegrid.fabric.jobs.LeaseLostException e) {
                throw e;
            } catch (MediaException e) {
                throw TaskFailure.permanent(UNDECODABLE, e);
            } catch (IllegalArgumentException e) {
                throw TaskFailure.permanent("Invalid text removal request: " + e.getMessage(), e);
            } catch (Exception e) {
                throw TaskFailure.retryable(FAILED, e);
            }
        };
    }

    /** Stage 0, per range: shots and (with auto-detect) text boxes on the range's sampled frames. */
    TaskCommit detect(TaskContext ctx) throws IOException {
        long[] range = range(ctx);
        boolean auto = Boolean.parseBoolean(ctx.params().getOrDefault(StudioContract.AUTO_DETECT, "true"));
        ctx.progress(5, "Detecting text...");
        try (LocalMediaCopy video = fetch(ctx)) {
            // One frame before the range tells whether a cut falls on its first frame.
            List<DecodedFrame> frames = decoder.decodeToList(video.file(),
                    FrameSampling.range(Math.max(0, range[0] - 1), range[1]));
            try {
                List<DecodedFrame> own = frames.stream().filter(f -> f.index() >= range[0]).toList();
                if (own.isEmpty()) {
                    return commit(new GhostCutParts.RangeText(range[0], range[1], 0, 0, true, List.of(), List.of()),
                            "Range " + range[0] + "-" + range[1] + " decodes no frame");
                }
                List<long[]> shots = new ArrayList<>();
                boolean cutAtStart = range[0] == 0;
                for (int[] s : removal.shots(frames)) {
                    if (s[1] < range[0]) {
                        continue;
                    }
                    if (s[0] == range[0]) {
                        cutAtStart = true;
                    }
                    shots.add(new long[] {Math.max(s[0], range[0]), s[1]});
                }
                ctx.checkCancelled();
                List<FrameBoxes> found = auto ? removal.detect(own) : List.of();
                Mat first = own.get(0).image();
                GhostCutParts.RangeText part = new GhostCutParts.RangeText(range[0], range[1], first.cols(),
                        first.rows(), cutAtStart, shots, GhostCutParts.samples(found));
                return commit(part, String.format(Locale.ROOT, "Detected frames %d-%d on %s: %d shots, %d samples, "
                        + "%d boxes", range[0], range[1] - 1, ctx.nodeId(), shots.size(), found.size(),
                        found.stream().mapToInt(f -> f.boxes().size()).sum()));
            } finally {
                release(frames);
            }
        }
    }

    /** Stage 1, per range: the range's frames erased (with context around it), stored as a lossless segment. */
    TaskCommit erase(TaskContext ctx) throws IOException {
        long[] range = range(ctx);
        List<GhostCutParts.RangeText> ranges = outputs(ctx, StudioContract.GHOSTCUT_DETECT_STAGE,
                GhostCutParts.RangeText.class);
        GhostCutParts.RangeText sized = ranges.stream().filter(r -> r.width() > 0).findFirst()
                .orElseThrow(() -> TaskFailure.permanent("Invalid video file: no frame of the video decodes", null));
        ctx.progress(5, "Removing text...");
        try (LocalMediaCopy video = fetch(ctx)) {
            List<UserArea> areas = GhostCutParts.areas(ctx.params().get(StudioContract.ANNOTATIONS), fps(ctx, video),
                    sized.width(), sized.height());
            List<int[]> shots = GhostCutParts.shots(ranges);
            TextTracks tracks = TextTracks.build(GhostCutParts.frameBoxes(ranges), shots, areas, sized.width(),
                    sized.height(), removal.settings().tracks());
            long total = total(ctx);
            int context = removal.settings().eraser().window();
            List<DecodedFrame> frames = range[1] <= range[0] ? List.of() : decoder.decodeToList(video.file(),
                    FrameSampling.range(Math.max(0, range[0] - context), Math.min(total, range[1] + context)));
            try {
                long decodedLast = frames.isEmpty() ? -1 : frames.get(frames.size() - 1).index();
                long emitLast = Math.min(range[1] - 1, decodedLast);
                ctx.checkCancelled();
                List<DecodedFrame> cleaned = List.of();
                long masked = 0;
                if (emitLast >= range[0]) {
                    TextRemoval.Result result = removal.erase(frames, tracks, shots, range[0], emitLast);
                    cleaned = result.frames();
                    masked = result.maskedPixels();
                }
                ctx.progress(80, "Storing cleaned frames...");
                String owner = ctx.task().getOwnerId();
                String id = SegmentFrames.store(media, owner, "ghostcut-" + ctx.jobId() + "-" + ctx.chunk()
                        + ".frames", ctx.jobId(), cleaned);
                release(cleaned);
                return commit(new GhostCutParts.Segment(id, range[0], cleaned.size(), masked), String.format(
                        Locale.ROOT, "Erased frames %d-%d on %s: %d tracks, %d pixels masked", range[0], emitLast,
                        ctx.nodeId(), tracks.tracks().size(), masked));
            } finally {
                release(frames);
            }
        }
    }

    /** Stage 2, one task: the cleaned frames in order, H.264 with the source's audio, stored as the job's result. */
    TaskCommit mux(TaskContext ctx) throws IOException {
        List<GhostCutParts.Segment> segments = outputs(ctx, StudioContract.GHOSTCUT_ERASE_STAGE,
                GhostCutParts.Segment.class);
        List<Media> stored = new ArrayList<>();
        for (GhostCutParts.Segment s : segments) {
            stored.add(media.get(s.mediaId()).filter(m -> m.getOwnerId().equals(ctx.task().getOwnerId()))
                    .orElseThrow(() -> new IllegalStateException("segment " + s.mediaId() + " is missing")));
        }
        ctx.progress(5, "Encoding video...");
        Path out = Files.createTempFile("ghostcut-" + ctx.jobId(), ".mp4");
        try (LocalMediaCopy video = fetch(ctx); Frames cleaned = new Frames(stored)) {
            MediaInfo info = new MediaEncoder().transcode(video.file(), out, VideoEncodeSettings.mp4(), frame -> {
                Mat next = cleaned.next();
                // A stream that plays more frames than it declares keeps its extra frames as they are.
                return next == null ? frame : next;
            });
            ctx.checkCancelled();
            ctx.progress(90, "Storing the result...");
            String owner = ctx.task().getOwnerId();
            Media source = ownedInput(ctx);
            String base = source.getFilename().replaceFirst("\\.[^.]*$", "");
            Media result;
            try (InputStream in = Files.newInputStream(out)) {
                result = media.storeNew(owner, base + "-ghostcut.mp4", "video/mp4", in,
                        Map.of("job_id", ctx.jobId(), "kind", "ghostcut"));
            }
            for (Media segment : stored) {
                media.delete(segment);
            }
            return new TaskCommit(new byte[0], List.of(result.getMediaId()), 0, List.of(String.format(Locale.ROOT,
                    "Encoded %d frames (%dx%d, %.3f fps%s) on %s", info.frameCount(), info.width(), info.height(),
                    info.fps(), info.hasAudio() ? ", with audio" : "", ctx.nodeId())));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static TaskCommit commit(Object part, String log) {
        return new TaskCommit(GhostCutParts.write(part), List.of(), 0, List.of(log));
    }

    private static long[] range(TaskContext ctx) {
        return StudioContract.range(ctx.chunk(), ctx.chunks(),
                Long.parseLong(ctx.params().getOrDefault(StudioContract.RANGE_FRAMES, "100")), total(ctx));
    }

    private static long total(TaskContext ctx) {
        return Long.parseLong(ctx.params().getOrDefault(StudioContract.TOTAL_FRAMES, "0"));
    }

    private double fps(TaskContext ctx, LocalMediaCopy video) {
        String probed = ownedInput(ctx).getProbeMap().get(StudioContract.PROBE_FPS);
        if (probed != null && probed.matches("\\d+(\\.\\d+)?") && Double.parseDouble(probed) > 0) {
            return Double.parseDouble(probed);
        }
        return decoder.probe(video.file()).fps();
    }

    /** Every chunk's output of an earlier stage; all were committed before this stage opened. */
    private static <T> List<T> outputs(TaskContext ctx, int stage, Class<T> type) {
        List<T> parts = new ArrayList<>();
        for (int chunk = 0; ; chunk++) {
            Optional<TaskOutput> out = ctx.output(stage, chunk);
            if (out.isEmpty()) {
                return parts;
            }
            parts.add(GhostCutParts.read(out.get().getData().toByteArray(), type));
        }
    }

    private static void release(List<DecodedFrame> frames) {
        for (DecodedFrame f : frames) {
            f.image().close();
        }
    }

    /** The job's input, which must belong to the job's owner: a job naming someone else's media finds nothing. */
    private Media ownedInput(TaskContext ctx) {
        String mediaId = ctx.params().getOrDefault(StudioContract.INPUT_MEDIA_ID, "");
        return media.get(mediaId).filter(m -> m.getOwnerId().equals(ctx.task().getOwnerId()))
                .orElseThrow(() -> TaskFailure.permanent("Video " + mediaId + " not found", null));
    }

    /** The input as a local file (FFmpeg seeks, which a network stream cannot), deleted after the task. */
    private LocalMediaCopy fetch(TaskContext ctx) throws IOException {
        return LocalMediaCopy.of(media, ownedInput(ctx), "framegrid-ghostcut-", ".video");
    }

    /** The segments' frames back to back, read as the encoder asks for them. */
    private final class Frames implements AutoCloseable {
        private final List<Media> segments;
        private int current = -1;
        private DataInputStream in;
        private Mat previous;

        Frames(List<Media> segments) {
            this.segments = segments;
        }

        Mat next() {
            try {
                if (previous != null) {
                    previous.close(); // the encoder has converted it by the time it asks for the next
                    previous = null;
                }
                while (true) {
                    if (in != null) {
                        Mat m = SegmentFrames.read(in);
                        if (m != null) {
                            previous = m;
                            return m;
                        }
                        in.close();
                        in = null;
                    }
                    if (++current >= segments.size()) {
                        return null;
                    }
                    in = SegmentFrames.reader(media.store().open(segments.get(current).getStorageKey(), 0, -1));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    /** A blob writer as a stream (the segment is written frame by frame, never held whole). */
}
