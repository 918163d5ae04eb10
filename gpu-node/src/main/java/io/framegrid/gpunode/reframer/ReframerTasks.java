package io.framegrid.gpunode.reframer;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutor;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reframer.ReframerContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * The gpu-node side of product C: executors for {@link ReframerContract#PROBE} and the four stages of an analysis
 * ({@link ReframerContract#SCAN}, {@link ReframerContract#TRACK}, {@link ReframerContract#SEGMENT},
 * {@link ReframerContract#RENDER}), which hand their parts to each other as committed task outputs.
 * Videos are read from, and results written to, the media store directly (S3, or the local store on a
 * shared/standalone data dir); outputs become media of the job's owner, referenced from the job's result refs:
 * the results as a serialized {@link io.framegrid.proto.reframer.v1.ReframerResults}, the render as MP4.
 *
 * <p>Failures reach the user as {@link TaskFailure}s in plain words; a file that does not decode fails the job at
 * once (every node would fail it the same way), with the decoder's details in the job's log.
 */
public final class ReframerTasks {
    /** What a user reads when the decoder gives up on a file. */
    static final String UNDECODABLE = "The video could not be decoded: the file is corrupt or cut short";

    private final MediaLibrary media;
    private final InferenceEngine engine;
    private final ReframerAnalyzer analyzer;
    private final LocalVideos videos;
    /** Probes only: the analyzer decodes through its own (frame-cached) decoder. */
    private final MediaDecoder decoder = new MediaDecoder();
    private final VideoProbe probe = new VideoProbe(decoder);

    public ReframerTasks(MediaLibrary media, InferenceEngine engine, ReframerAnalyzer analyzer, LocalVideos videos) {
        this.media = media;
        this.engine = engine;
        this.analyzer = analyzer;
        this.videos = videos;
    }

    /** Registers the probe and the analysis executors, reading and writing media through {@code library}. */
    public static void register(TaskExecutors executors, MediaLibrary library, InferenceEngine engine,
            FrameKernels kernels, MediaDecoder decoder) {
        ReframerTasks tasks = new ReframerTasks(library, engine,
                new ReframerAnalyzer(decoder, kernels, SceneDescriber.TEMPLATE, ObjectMasker.forEngine(engine)),
                new LocalVideos(4));
        executors.register(ReframerContract.PROBE, plainFailures(tasks::probe));
        executors.register(ReframerContract.SCAN, plainFailures(tasks::scan));
        executors.register(ReframerContract.TRACK, plainFailures(tasks::track));
        executors.register(ReframerContract.SEGMENT, plainFailures(tasks::segment));
        executors.register(ReframerContract.RENDER, plainFailures(tasks::render));
    }

    /**
     * Words every failure of {@code executor} for the user: media errors are permanent (the file is what it is),
     * anything else is retried and, once out of attempts, reads as a generic sentence; details go to the job log.
     */
    static TaskExecutor plainFailures(TaskExecutor executor) {
        return ctx -> {
            try {
                return executor.execute(ctx);
            } catch (TaskFailure | CancellationException | InterruptedException e) {
                throw e;
            } catch (MediaException e) {
                throw TaskFailure.permanent(UNDECODABLE, e);
            } catch (io.framegrid.fabric.jobs.LeaseLostException e) {
                throw e;
            } catch (Exception e) {
                throw TaskFailure.retryable("The analysis failed on a compute node", e);
            }
        };
    }

    TaskCommit probe(TaskContext ctx) throws IOException {
        String mediaId = ctx.params().get(ReframerContract.MEDIA_ID);
        try (LocalVideos.Lease video = fetch(ctx)) {
            MediaInfo info = probe.check(video.file(), ctx::log);
            Map<String, String> probe = new LinkedHashMap<>();
            probe.put(ReframerContract.DURATION_SECONDS, String.valueOf(ReframerAnalyzer.round(info.durationSeconds(), 2)));
            probe.put("width", String.valueOf(info.width()));
            probe.put("height", String.valueOf(info.height()));
            probe.put("fps", String.valueOf(ReframerAnalyzer.round(info.fps(), 3)));
            probe.put("codec", info.videoCodec());
            probe.put(ReframerContract.TOTAL_FRAMES, String.valueOf(info.frameCount()));
            media.putProbe(mediaId, probe);
            return new TaskCommit(new byte[0], List.of("probe:" + mediaId), 0,
                    List.of("Probed " + info.width() + "x" + info.height() + ", " + info.durationSeconds() + " s"));
        }
    }

    /** Stage 0, per range: histogram distances, detections and camera motion of frames {@code [from, to)}. */
    TaskCommit scan(TaskContext ctx) throws IOException {
        ReframerOptions options = ReframerOptions.from(ctx.params());
        long[] range = range(ctx, options);
        String model = options.model().isEmpty() ? defaultModel() : options.model();
        float threshold = (float) options.detectThreshold();
        try (LocalVideos.Lease video = fetch(ctx)) {
            AnalysisParts.RangeScan scan = analyzer.scan(video.file(), range[0], range[1], options,
                    frame -> engine.detect(model, frame, threshold, Set.of()).join().detections(),
                    (percent, step) -> ctx.progress(percent, step), ctx::isCancelled);
            ctx.checkCancelled();
            return new TaskCommit(AnalysisParts.write(scan), List.of(), 0, List.of(String.format(Locale.ROOT,
                    "Scanned frames %d-%d with %s on %s: %d frames, %d sampled, %d detections, %s", scan.from(),
                    scan.to() - 1, model, ctx.nodeId(), scan.distances().size(), scan.samples().size(),
                    scan.samples().stream().mapToInt(s -> s.detections().size()).sum(), scan.timingsMs())));
        }
    }

    /** Stage 1, one task: ByteTrack over every range's samples in frame order. */
    TaskCommit track(TaskContext ctx) throws IOException {
        ReframerOptions options = ReframerOptions.from(ctx.params());
        List<AnalysisParts.RangeScan> scans = outputs(ctx, ReframerContract.SCAN_STAGE, AnalysisParts.RangeScan.class);
        double fps = scans.isEmpty() ? 25 : fpsOf(ctx);
        AnalysisParts.Tracks tracks = analyzer.track(scans, options, fps);
        return new TaskCommit(AnalysisParts.write(tracks), List.of(), 0, List.of("Tracked " + tracks.tracking().size()
                + " objects over " + scans.size() + " ranges in " + tracks.timingMs() + " ms"));
    }

    /** Stage 2, per range: masks of the objects tracked in the range's sampled frames. */
    TaskCommit segment(TaskContext ctx) throws IOException {
        ReframerOptions options = ReframerOptions.from(ctx.params());
        long[] range = range(ctx, options);
        AnalysisParts.Tracks tracks = output(ctx, ReframerContract.TRACK_STAGE, 0, AnalysisParts.Tracks.class);
        try (LocalVideos.Lease video = fetch(ctx)) {
            AnalysisParts.RangeMasks masks = analyzer.segment(video.file(), range[0], range[1], tracks, options,
                    ctx::isCancelled);
            ctx.checkCancelled();
            return new TaskCommit(AnalysisParts.write(masks), List.of(), 0, List.of(String.format(Locale.ROOT,
                    "Segmented frames %d-%d on %s: %s", range[0], range[1] == Long.MAX_VALUE ? -1 : range[1] - 1,
                    ctx.nodeId(), masks.timingsMs())));
        }
    }

    /** Stage 3, one task: the results object from every part, the reframed render, both stored as media. */
    TaskCommit render(TaskContext ctx) throws IOException {
        ReframerOptions options = ReframerOptions.from(ctx.params());
        String mediaId = ctx.params().get(ReframerContract.MEDIA_ID);
        List<AnalysisParts.RangeScan> scans = outputs(ctx, ReframerContract.SCAN_STAGE, AnalysisParts.RangeScan.class);
        AnalysisParts.Tracks tracks = output(ctx, ReframerContract.TRACK_STAGE, 0, AnalysisParts.Tracks.class);
        List<AnalysisParts.RangeMasks> masks = outputs(ctx, ReframerContract.SEGMENT_STAGE, AnalysisParts.RangeMasks.class);
        Path rendered = Files.createTempFile("reframer-" + ctx.jobId(), ".mp4");
        try (LocalVideos.Lease video = fetch(ctx)) {
            long began = System.nanoTime();
            ctx.progress(5, "Detecting scenes...");
            ReframerAnalyzer.Analysis analysis = analyzer.assemble(ctx.jobId(), probed(ctx, video.file()),
                    scans, tracks, masks, options);
            ctx.checkCancelled();
            ctx.progress(10, "Rendering reframed video...");
            analyzer.render(video.file(), analysis, rendered);
            long renderMs = (System.nanoTime() - began) / 1_000_000;
            ctx.checkCancelled();
            ctx.progress(95, "Storing results...");
            String owner = ctx.task().getOwnerId();
            Media source = media.get(mediaId).orElseThrow();
            String base = source.getFilename().replaceFirst("\\.[^.]*$", "");
            Media results = media.storeNew(owner, "results-" + ctx.jobId() + ".pb",
                    ReframerContract.RESULTS_CONTENT_TYPE, analysis.results().toByteString().newInput(),
                    Map.of("job_id", ctx.jobId(), "kind", "results"));
            Media reframed;
            try (InputStream in = Files.newInputStream(rendered)) {
                reframed = media.storeNew(owner, base + "-reframed.mp4", "video/mp4", in, Map.of("job_id", ctx.jobId(),
                        "kind", "reframed", "aspect", options.aspectW() + ":" + options.aspectH()));
            }
            videos.evict(mediaId);
            return new TaskCommit(new byte[0], List.of(ReframerContract.RESULTS_REF + results.getMediaId(),
                    ReframerContract.VIDEO_REF + reframed.getMediaId()), 0,
                    List.of("Assembled and rendered on " + ctx.nodeId() + " in " + renderMs + " ms: "
                            + analysis.results().getTrackingCount() + " tracks, "
                            + analysis.results().getScenesCount() + " scenes"));
        } finally {
            Files.deleteIfExists(rendered);
        }
    }

    /** The video as the probe saw it: its frame count and duration what decodes. */
    private MediaInfo probed(TaskContext ctx, Path file) {
        MediaInfo info = decoder.probe(file);
        String frames = ownedMedia(ctx).getProbeMap().get(ReframerContract.TOTAL_FRAMES);
        if (frames != null && frames.matches("\\d{1,18}") && Long.parseLong(frames) < info.frameCount()) {
            return VideoProbe.withFrames(info, Long.parseLong(frames));
        }
        return info;
    }

    private static long[] range(TaskContext ctx, ReframerOptions options) {
        long rangeFrames = Long.parseLong(ctx.params().getOrDefault(ReframerContract.RANGE_FRAMES, "200"));
        long limit = options.maxFrames() > 0 ? options.maxFrames() : Long.MAX_VALUE;
        return ReframerContract.range(ctx.chunk(), ctx.chunks(), rangeFrames, limit);
    }

    private double fpsOf(TaskContext ctx) throws IOException {
        Media m = ownedMedia(ctx);
        String fps = m.getProbeMap().get("fps");
        if (fps != null) {
            return Double.parseDouble(fps);
        }
        try (LocalVideos.Lease video = fetch(ctx)) {
            return ReframerAnalyzer.fps(decoder.probe(video.file()));
        }
    }

    private static <T> T output(TaskContext ctx, int stage, int chunk, Class<T> type) {
        TaskOutput out = ctx.output(stage, chunk).orElseThrow(() -> new IllegalStateException(
                "output of stage " + stage + " chunk " + chunk + " of job " + ctx.jobId() + " is missing"));
        return AnalysisParts.read(out.getData().toByteArray(), type);
    }

    /** Every chunk's output of an earlier stage; all were committed before this stage opened. */
    private static <T> List<T> outputs(TaskContext ctx, int stage, Class<T> type) {
        List<T> parts = new ArrayList<>();
        for (int chunk = 0; ; chunk++) {
            Optional<TaskOutput> out = ctx.output(stage, chunk);
            if (out.isEmpty()) {
                return parts;
            }
            parts.add(AnalysisParts.read(out.get().getData().toByteArray(), type));
        }
    }

    private String defaultModel() {
        return engine.registry().find("yolox-nano").isPresent() && engine.registry().isActive("yolox-nano")
                ? "yolox-nano" : "hog-people";
    }

    /** The job's video as a local file (FFmpeg seeks, which a network stream cannot), shared by its tasks here. */
    private LocalVideos.Lease fetch(TaskContext ctx) throws IOException {
        Media m = ownedMedia(ctx);
        return videos.acquire(m.getMediaId(), suffix(m.getFilename()), out -> {
            try (InputStream in = media.store().open(m.getStorageKey(), 0, -1)) {
                in.transferTo(out);
            }
        });
    }

    /** The task's video, which must belong to the job's owner: a job naming someone else's media id finds nothing. */
    private Media ownedMedia(TaskContext ctx) {
        String mediaId = ctx.params().getOrDefault(ReframerContract.MEDIA_ID, "");
        return media.get(mediaId).filter(m -> m.getOwnerId().equals(ctx.task().getOwnerId()))
                .orElseThrow(() -> VideoProbe.refused("Video " + mediaId + " not found"));
    }

    private static String suffix(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot < 0 ? ".bin" : filename.substring(dot).replaceAll("[^.A-Za-z0-9]", "");
    }
}
