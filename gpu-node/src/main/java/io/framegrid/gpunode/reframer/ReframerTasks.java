package io.framegrid.gpunode.reframer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.jobs.TaskCommit;
import io.framegrid.coordinator.media.BlobStore;
import io.framegrid.coordinator.media.MediaLibrary;
import io.framegrid.coordinator.reframer.ReframerJobs;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.proto.media.v1.Media;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The gpu-node side of product C: executors for {@link ReframerJobs#PROBE} and {@link ReframerJobs#ANALYZE}.
 * Videos are read from, and results written to, the media store directly (S3, or the local store on a
 * shared/standalone data dir); outputs become media of the job's owner, referenced from the job's result refs.
 */
public final class ReframerTasks {
    /** The spec's limits on an input video. */
    public static final double MIN_SECONDS = 1.0;
    public static final int MIN_WIDTH = 320;
    public static final int MIN_HEIGHT = 240;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MediaLibrary media;
    private final InferenceEngine engine;
    private final ReframerAnalyzer analyzer;

    public ReframerTasks(MediaLibrary media, InferenceEngine engine, ReframerAnalyzer analyzer) {
        this.media = media;
        this.engine = engine;
        this.analyzer = analyzer;
    }

    /** Registers both executors, reading media through the store {@code config} names. */
    public static void register(TaskExecutors executors, org.apache.ignite.Ignite ignite, FramegridConfig config,
            InferenceEngine engine, FrameKernels kernels, MediaDecoder decoder) {
        MediaLibrary library = new MediaLibrary(ignite, MediaLibrary.openStore(config.media(), config.dataDir()),
                config.media(), Clock.systemUTC());
        ReframerTasks tasks = new ReframerTasks(library, engine,
                new ReframerAnalyzer(decoder, kernels, SceneDescriber.TEMPLATE));
        executors.register(ReframerJobs.PROBE, tasks::probe);
        executors.register(ReframerJobs.ANALYZE, tasks::analyze);
    }

    /** A video the reframer refuses; its text is what the API user reads, so it prints as the message alone. */
    public static final class InvalidVideoException extends RuntimeException {
        public InvalidVideoException(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    TaskCommit probe(TaskContext ctx) throws IOException {
        String mediaId = ctx.params().get(ReframerJobs.MEDIA_ID);
        Path file = fetch(ctx, mediaId);
        try {
            MediaInfo info;
            try {
                info = new MediaDecoder().probe(file);
            } catch (MediaException e) {
                throw new InvalidVideoException("Invalid file format: not a readable video");
            }
            if (!info.hasVideo()) {
                throw new InvalidVideoException("Invalid file format: no video stream");
            }
            if (info.durationSeconds() < MIN_SECONDS) {
                throw new InvalidVideoException(String.format(java.util.Locale.ROOT,
                        "Video too short: %.2f s (minimum 1 second)", info.durationSeconds()));
            }
            if (info.width() < MIN_WIDTH || info.height() < MIN_HEIGHT) {
                throw new InvalidVideoException("Resolution too low: " + info.width() + "x" + info.height()
                        + " (minimum 320x240)");
            }
            Map<String, String> probe = new LinkedHashMap<>();
            probe.put("duration_seconds", String.valueOf(ReframerAnalyzer.round(info.durationSeconds(), 2)));
            probe.put("width", String.valueOf(info.width()));
            probe.put("height", String.valueOf(info.height()));
            probe.put("fps", String.valueOf(ReframerAnalyzer.round(info.fps(), 3)));
            probe.put("codec", info.videoCodec());
            probe.put("total_frames", String.valueOf(info.frameCount()));
            media.putProbe(mediaId, probe);
            return new TaskCommit(new byte[0], List.of("probe:" + mediaId), 0,
                    List.of("Probed " + info.width() + "x" + info.height() + ", " + info.durationSeconds() + " s"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    TaskCommit analyze(TaskContext ctx) throws IOException {
        String mediaId = ctx.params().get(ReframerJobs.MEDIA_ID);
        ctx.progress(1, "Fetching video...");
        Path file = fetch(ctx, mediaId);
        Path rendered = Files.createTempFile("reframer-" + ctx.jobId(), ".mp4");
        try {
            ReframerOptions options = ReframerOptions.from(ctx.params());
            String model = options.model().isEmpty() ? defaultModel() : options.model();
            float threshold = (float) options.detectThreshold();
            ReframerAnalyzer.Analysis analysis = analyzer.analyze(file, ctx.jobId(), options,
                    frame -> engine.detect(model, frame, threshold, Set.of()).join().detections(),
                    (percent, step) -> ctx.progress(Math.min(89, percent), step), ctx::isCancelled);
            ctx.checkCancelled();
            ctx.progress(90, "Rendering reframed video...");
            analyzer.render(file, analysis, rendered);
            ctx.checkCancelled();
            ctx.progress(98, "Storing results...");
            String owner = ctx.task().getOwnerId();
            Media source = media.get(mediaId).orElseThrow();
            String base = source.getFilename().replaceFirst("\\.[^.]*$", "");
            Media results = store(owner, "results-" + ctx.jobId() + ".json", "application/json",
                    JSON.writeValueAsBytes(analysis.results()), Map.of("job_id", ctx.jobId(), "kind", "results"));
            Media video;
            try (InputStream in = Files.newInputStream(rendered)) {
                video = store(owner, base + "-reframed.mp4", "video/mp4", in, Map.of("job_id", ctx.jobId(),
                        "kind", "reframed", "aspect", options.aspectW() + ":" + options.aspectH()));
            }
            return new TaskCommit(new byte[0], List.of(ReframerJobs.RESULTS_REF + results.getMediaId(),
                    ReframerJobs.VIDEO_REF + video.getMediaId()), 0,
                    List.of("Analysed with " + model + ": " + ((Map<?, ?>) analysis.results().get("tracking")).size()
                            + " tracks, " + ((List<?>) analysis.results().get("scenes")).size() + " scenes"));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(rendered);
        }
    }

    private String defaultModel() {
        return engine.registry().find("yolox-nano").isPresent() && engine.registry().isActive("yolox-nano")
                ? "yolox-nano" : "hog-people";
    }

    /** Copies the blob to a local temporary file: FFmpeg seeks, which a network stream cannot. */
    private Path fetch(TaskContext ctx, String mediaId) throws IOException {
        Media m = media.get(mediaId).orElseThrow(() -> new InvalidVideoException("Video " + mediaId + " not found"));
        Path file = Files.createTempFile("reframer-" + ctx.jobId(), suffix(m.getFilename()));
        try (InputStream in = media.store().open(m.getStorageKey(), 0, -1); OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return file;
    }

    private static String suffix(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot < 0 ? ".bin" : filename.substring(dot).replaceAll("[^.A-Za-z0-9]", "");
    }

    private Media store(String owner, String filename, String type, byte[] data, Map<String, String> meta)
            throws IOException {
        return store(owner, filename, type, new java.io.ByteArrayInputStream(data), meta);
    }

    private Media store(String owner, String filename, String type, InputStream in, Map<String, String> meta)
            throws IOException {
        String id = UUID.randomUUID().toString();
        MessageDigest sha = MediaLibrary.sha256();
        BlobStore.BlobWriter writer = media.store().create(MediaLibrary.blobKey(owner, id));
        try (DigestInputStream digest = new DigestInputStream(in, sha)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = digest.read(buffer)) > 0) {
                writer.write(buffer, 0, n);
            }
            long size = writer.commit();
            return media.register(id, owner, filename, type, size, HexFormat.of().formatHex(sha.digest()), meta);
        } finally {
            writer.close();
        }
    }
}
