package io.framegrid.gpunode.reframer;

import io.framegrid.gpunode.engine.scenes.ShotBoundaries;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.engine.segmentation.Rle;
import io.framegrid.gpunode.engine.tracking.ByteTracker;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.proto.reframer.v1.BoundingBox;
import io.framegrid.proto.reframer.v1.FrameDetections;
import io.framegrid.proto.reframer.v1.FrameMasks;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.proto.reframer.v1.SegmentationMask;
import io.framegrid.proto.reframer.v1.Track;
import io.framegrid.proto.reframer.v1.TrackFrame;
import io.framegrid.proto.reframer.v1.VideoMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * Product C's pipeline over one video, as four steps the cluster runs as tasks: {@link #scan} of frame ranges
 * (in parallel; {@link RangeScanner}), {@link #track} over every range in frame order (ByteTrack), {@link #segment}
 * of the tracked objects per range (masks as RLE), and {@link #assemble}, which cuts the distance series into
 * shots ({@link ShotBoundaries}), words them ({@link SceneWriter}), plans the crop ({@link CropPlan}) and builds the
 * {@link ReframerResults}; {@link #render} then writes the reframed video with the source audio.
 */
public final class ReframerAnalyzer {
    /** Finds objects in one BGR frame (the engine's batcher behind it on a gpu-node). */
    @FunctionalInterface
    public interface FrameDetector {
        List<Detection> detect(Mat frame);
    }

    /** Progress within the analysis (0..100) and the step it is in. */
    @FunctionalInterface
    public interface Progress {
        void report(int percent, String step);
    }

    private final MediaDecoder decoder;
    private final RangeScanner scanner;
    private final SceneWriter writer;
    private final ObjectMasker masker;

    public ReframerAnalyzer(MediaDecoder decoder, FrameKernels kernels, SceneDescriber describer, ObjectMasker masker) {
        this.decoder = decoder;
        this.scanner = new RangeScanner(decoder, kernels);
        this.writer = new SceneWriter(describer);
        this.masker = masker;
    }

    /** What {@link #assemble} found: the results message plus the crop plan for {@link #render}. */
    public record Analysis(ReframerResults results, MediaInfo info, int cropWidth, int cropHeight,
            int[] cropX, int[] cropY) {}

    /**
     * The whole analysis in this thread, the same steps as the cluster's tasks over one range. {@code info} is the
     * probe's view of the video (its frame count what decodes).
     */
    public Analysis analyze(Path video, MediaInfo info, String jobId, ReframerOptions options, FrameDetector detector,
            Progress progress, BooleanSupplier cancelled) {
        long limit = options.maxFrames() > 0 ? options.maxFrames() : Long.MAX_VALUE;
        AnalysisParts.RangeScan scan = scan(video, 0, limit, options, detector,
                (p, s) -> progress.report(p * 80 / 100, s), cancelled);
        progress.report(80, "Tracking objects...");
        AnalysisParts.Tracks tracks = track(List.of(scan), options, fps(info));
        progress.report(82, "Segmenting tracked objects...");
        AnalysisParts.RangeMasks masks = segment(video, 0, scan.to(), tracks, options, cancelled);
        progress.report(90, "Detecting scenes...");
        return assemble(jobId, info, List.of(scan), tracks, List.of(masks), options);
    }

    /** {@link #analyze} of a video probed here. */
    public Analysis analyze(Path video, String jobId, ReframerOptions options, FrameDetector detector,
            Progress progress, BooleanSupplier cancelled) {
        return analyze(video, decoder.probe(video), jobId, options, detector, progress, cancelled);
    }

    /** Stage 0 over frames {@code [from, to)}: see {@link RangeScanner}. */
    public AnalysisParts.RangeScan scan(Path video, long from, long to, ReframerOptions options,
            FrameDetector detector, Progress progress, BooleanSupplier cancelled) {
        return scanner.scan(video, from, to, options, detector, progress, cancelled);
    }

    /**
     * ByteTrack over the sampled frames of every range in frame order, so a track crossing a range boundary keeps
     * its id whichever nodes scanned the ranges.
     */
    public AnalysisParts.Tracks track(List<AnalysisParts.RangeScan> scans, ReframerOptions options, double fps) {
        long began = System.nanoTime();
        ByteTracker tracker = new ByteTracker(options.highThreshold(),
                Math.max(2, (int) Math.round(fps * 3 / options.sampleEvery())));
        List<AnalysisParts.SampleHits> samples = new ArrayList<>();
        for (AnalysisParts.RangeScan scan : ordered(scans)) {
            for (AnalysisParts.SampleScan sample : scan.samples()) {
                List<ByteTracker.Box> boxes = new ArrayList<>();
                for (AnalysisParts.Detected d : sample.detections()) {
                    boxes.add(new ByteTracker.Box(d.cls(), d.confidence(), d.x(), d.y(), d.w(), d.h(), d));
                }
                List<AnalysisParts.TrackedHit> hits = new ArrayList<>();
                for (ByteTracker.Hit hit : tracker.update(sample.frame(), boxes)) {
                    AnalysisParts.Detected d = (AnalysisParts.Detected) hit.box().source();
                    hits.add(new AnalysisParts.TrackedHit(hit.track().id(), hit.track().cls(), d.x(), d.y(), d.w(), d.h()));
                }
                samples.add(new AnalysisParts.SampleHits(sample.frame(), hits));
            }
        }
        return new AnalysisParts.Tracks(summaries(tracker, fps), samples, (System.nanoTime() - began) / 1_000_000);
    }

    /** Masks of the tracked objects in the sampled frames of {@code [from, to)}. */
    public AnalysisParts.RangeMasks segment(Path video, long from, long to, AnalysisParts.Tracks tracks,
            ReframerOptions options, BooleanSupplier cancelled) {
        long began = System.nanoTime();
        Map<Long, List<AnalysisParts.TrackedHit>> wanted = new LinkedHashMap<>();
        for (AnalysisParts.SampleHits s : tracks.samples()) {
            if (s.frame() >= from && s.frame() < to && !s.hits().isEmpty()) {
                wanted.put(s.frame(), s.hits());
            }
        }
        Map<String, List<AnalysisParts.TrackMask>> masks = new LinkedHashMap<>();
        long[] count = {0};
        if (options.masks() && !wanted.isEmpty()) {
            long last = wanted.keySet().stream().mapToLong(Long::longValue).max().orElse(from);
            // The sampled frames come from the frame cache when the scan of this range left them there.
            decoder.decode(video, FrameSampling.range(from, last + 1, options.sampleEvery()), frame -> {
                if (cancelled.getAsBoolean()) {
                    return false;
                }
                List<AnalysisParts.TrackedHit> hits = wanted.get(frame.index());
                if (hits != null) {
                    List<AnalysisParts.TrackMask> frameMasks = new ArrayList<>();
                    for (AnalysisParts.TrackedHit hit : hits) {
                        Rle.Encoded rle = masker.mask(frame.image(), hit.cls(), hit.x(), hit.y(), hit.w(), hit.h());
                        frameMasks.add(new AnalysisParts.TrackMask(hit.trackId(), hit.cls(), rle.counts(), rle.area()));
                        count[0]++;
                    }
                    masks.put(Long.toString(frame.index()), frameMasks);
                }
                return frame.index() < last;
            });
        }
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("masks", count[0]);
        timings.put("total_ms", (System.nanoTime() - began) / 1_000_000);
        return new AnalysisParts.RangeMasks(from, to, masks, timings);
    }

    /**
     * Joins the parts into the results: shots from the concatenated distance series, their wording, and the crop
     * plan. The scans must cover the video from frame 0 without gaps (a lost or duplicated range would silently
     * shift every later frame, so it fails instead).
     */
    public Analysis assemble(String jobId, MediaInfo info, List<AnalysisParts.RangeScan> scans,
            AnalysisParts.Tracks tracks, List<AnalysisParts.RangeMasks> rangeMasks, ReframerOptions options) {
        double fps = fps(info);
        ReframerResults.Builder results = ReframerResults.newBuilder().setJobId(jobId).setStatus("success")
                .setMetadata(VideoMetadata.newBuilder().setDurationSeconds(round(info.durationSeconds(), 2))
                        .setWidth(info.width()).setHeight(info.height()).setFps(round(fps, 3))
                        .setCodec(info.videoCodec()).setTotalFrames(info.frameCount()));
        List<Double> distances = new ArrayList<>();
        Map<Long, AnalysisParts.SampleScan> scanned = new LinkedHashMap<>();
        long expected = 0;
        for (AnalysisParts.RangeScan scan : ordered(scans)) {
            if (scan.from() != expected || scan.distances().size() != scan.to() - scan.from()) {
                throw new IllegalStateException("scanned ranges do not cover the video: expected frame " + expected
                        + ", got [" + scan.from() + ", " + scan.to() + ")");
            }
            expected = scan.to();
            distances.addAll(scan.distances());
            for (AnalysisParts.SampleScan s : scan.samples()) {
                scanned.put(s.frame(), s);
                if (!s.detections().isEmpty()) {
                    FrameDetections.Builder frame = results.addDetectionsBuilder().setFrame(s.frame());
                    s.detections().forEach(d -> frame.addDetections(detection(d)));
                }
            }
        }
        long analysed = distances.size();
        List<SceneWriter.Sample> samples = new ArrayList<>();
        for (AnalysisParts.SampleHits h : tracks.samples()) {
            AnalysisParts.SampleScan s = scanned.get(h.frame());
            samples.add(new SceneWriter.Sample(h.frame(), h.hits(), s == null ? 0 : s.dx(), s == null ? 0 : s.dy(),
                    s == null ? 0 : s.motion()));
        }
        rangeMasks.stream().sorted(Comparator.comparingLong(AnalysisParts.RangeMasks::from))
                .forEach(r -> r.masks().forEach((frame, list) -> {
                    FrameMasks.Builder masks = results.addSegmentationMasksBuilder().setFrame(Long.parseLong(frame));
                    list.forEach(m -> masks.addMasks(SegmentationMask.newBuilder().setTrackId(m.trackId())
                            .setClassName(m.cls()).setMaskRle(m.rle()).setMaskAreaPixels(m.area())));
                }));
        List<String> trackIds = new ArrayList<>();
        for (AnalysisParts.TrackSummary t : tracks.tracking()) {
            results.addTracking(track(t));
            trackIds.add(t.trackId());
        }
        List<int[]> shots = new ShotBoundaries(options.sceneThreshold()).shots(distances, analysed);
        results.addAllScenes(writer.scenes(shots, samples, trackIds, fps));

        CropPlan plan = CropPlan.of(info.width(), info.height(), options.aspectW(), options.aspectH());
        int[][] windows = plan.plan(shots, samples.stream().map(s -> new CropPlan.Sample(s.frame(),
                s.hits().stream().filter(h -> h.cls().equals("person")).map(h -> new double[] {
                        h.x(), h.y(), h.w(), h.h()}).toList())).toList(),
                (int) analysed, fps);
        return new Analysis(results.build(), info, plan.width(), plan.height(), windows[0], windows[1]);
    }

    /** Writes the reframed video: the crop plan applied to every frame, the source audio kept. */
    public MediaInfo render(Path source, Analysis analysis, Path out) {
        int[] index = {0};
        int w = analysis.cropWidth();
        int h = analysis.cropHeight();
        int[] xs = analysis.cropX();
        int[] ys = analysis.cropY();
        return new MediaEncoder().transcode(source, out, VideoEncodeSettings.mp4(), w, h, frame -> {
            // Frames past the analysed range keep the last planned window.
            int i = Math.min(index[0]++, xs.length - 1);
            int x = Math.max(0, Math.min(xs[i], frame.cols() - w));
            int y = Math.max(0, Math.min(ys[i], frame.rows() - h));
            try (Mat roi = new Mat(frame, new Rect(x, y, w, h))) {
                return roi.clone();
            }
        });
    }

    static double fps(MediaInfo info) {
        return info.fps() > 0 ? info.fps() : 25;
    }

    private static List<AnalysisParts.RangeScan> ordered(List<AnalysisParts.RangeScan> scans) {
        return scans.stream().sorted(Comparator.comparingLong(AnalysisParts.RangeScan::from)).toList();
    }

    private static io.framegrid.proto.reframer.v1.Detection detection(AnalysisParts.Detected d) {
        return io.framegrid.proto.reframer.v1.Detection.newBuilder().setClassName(d.cls())
                .setConfidence(round(d.confidence(), 3))
                .setBbox(BoundingBox.newBuilder().setX(d.x()).setY(d.y()).setWidth(d.w()).setHeight(d.h()))
                .setLabel(d.label()).build();
    }

    private static Track track(AnalysisParts.TrackSummary t) {
        Track.Builder track = Track.newBuilder().setTrackId(t.trackId()).setClassName(t.cls())
                .setStartFrame(t.startFrame()).setEndFrame(t.endFrame())
                .setDurationFrames(t.endFrame() - t.startFrame()).setAvgConfidence(t.avgConfidence());
        t.frames().forEach(f -> track.addFrames(TrackFrame.newBuilder().setFrame(f.frame())
                .setTimestamp(f.timestamp()).setConfidence(f.confidence())));
        return track.build();
    }

    private static List<AnalysisParts.TrackSummary> summaries(ByteTracker tracker, double fps) {
        List<AnalysisParts.TrackSummary> tracks = new ArrayList<>();
        for (ByteTracker.Track t : tracker.tracks()) {
            List<AnalysisParts.TrackPoint> frames = new ArrayList<>();
            for (int i = 0; i < t.frames().size(); i++) {
                frames.add(new AnalysisParts.TrackPoint(t.frames().get(i), round(t.frames().get(i) / fps, 2),
                        round(t.confidences().get(i), 3)));
            }
            tracks.add(new AnalysisParts.TrackSummary(t.id(), t.cls(), t.frames().get(0),
                    t.frames().get(t.frames().size() - 1), round(t.averageConfidence(), 3), frames));
        }
        return tracks;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
