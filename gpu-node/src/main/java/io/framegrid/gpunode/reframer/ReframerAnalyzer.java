package io.framegrid.gpunode.reframer;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Histograms;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2d;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The reframer's analysis of one video, in one decoding pass: metadata; detection on sampled frames mapped to
 * {@code person}/{@code product}; ByteTrack tracking; GrabCut masks of tracked objects as RLE; shot boundaries from
 * colour histograms of every frame; per-scene importance, replaceable elements and a description; and a crop plan
 * of the target aspect that keeps the people in frame, rendered with the source audio.
 */
public final class ReframerAnalyzer {
    private static final int HISTOGRAM_BINS = 32;
    private static final int MOTION_WIDTH = 160;

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
    private final FrameKernels kernels;
    private final SceneDescriber describer;
    private final ObjectMasker masker;

    public ReframerAnalyzer(MediaDecoder decoder, FrameKernels kernels, SceneDescriber describer, ObjectMasker masker) {
        this.decoder = decoder;
        this.kernels = kernels;
        this.describer = describer;
        this.masker = masker;
    }

    /** What {@link #assemble} found: the spec's results object plus the crop plan for {@link #render}. */
    public record Analysis(Map<String, Object> results, MediaInfo info, int cropWidth, int cropHeight,
            int[] cropX, int[] cropY) {}

    private record Sample(long frame, List<AnalysisParts.TrackedHit> hits, double dx, double dy, double motion) {}

    /**
     * The whole analysis in this thread: {@link #scan} of every frame, {@link #track}, {@link #segment},
     * {@link #assemble}. The cluster runs the same steps as tasks, the scans and masks parallel over frame ranges.
     */
    public Analysis analyze(Path video, String jobId, ReframerOptions options, FrameDetector detector,
            Progress progress, BooleanSupplier cancelled) {
        MediaInfo info = decoder.probe(video);
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

    /**
     * Scans frames {@code [from, to)} (to the end of the video at most): the histogram distance of every frame to
     * its predecessor, and detections and camera motion on the sampled frames ({@code index % sampleEvery == 0}).
     * A range not starting at 0 decodes from the sample before it, so its first distance and first motion come out
     * exactly as in one pass over the whole video.
     */
    public AnalysisParts.RangeScan scan(Path video, long from, long to, ReframerOptions options,
            FrameDetector detector, Progress progress, BooleanSupplier cancelled) {
        int every = options.sampleEvery();
        long start = from == 0 ? 0 : Math.max(0, from - every);
        List<Double> distances = new ArrayList<>();
        List<AnalysisParts.SampleScan> samples = new ArrayList<>();
        float[][] previousHistogram = new float[1][];
        Mat[] previousSample = new Mat[1];
        Mat[] previousSmall = new Mat[1];
        long[] end = {from};
        long[] nanos = new long[4]; // histogram, detection, motion, total
        long began = System.nanoTime();
        FrameSampling sampling = start == 0 ? FrameSampling.all() : FrameSampling.range(start, to);
        try {
            decoder.decode(video, sampling, frame -> {
                long index = frame.index();
                if (index >= to || cancelled.getAsBoolean()) {
                    return false;
                }
                long t0 = System.nanoTime();
                float[] histogram = kernels.histogram(frame.image(), HISTOGRAM_BINS);
                if (index >= from) {
                    distances.add(previousHistogram[0] == null ? 0.0
                            : Histograms.distance(previousHistogram[0], histogram, HISTOGRAM_BINS));
                    end[0] = index + 1;
                }
                previousHistogram[0] = histogram;
                nanos[0] += System.nanoTime() - t0;
                if (index % every == 0) {
                    List<AnalysisParts.Detected> detected = List.of();
                    if (index >= from) {
                        long t1 = System.nanoTime();
                        detected = detect(frame.image(), options, detector);
                        nanos[1] += System.nanoTime() - t1;
                    }
                    long t2 = System.nanoTime();
                    double[] motion = motion(frame.image(), previousSample, previousSmall);
                    nanos[2] += System.nanoTime() - t2;
                    if (index >= from) {
                        samples.add(new AnalysisParts.SampleScan(index, motion[0], motion[1], motion[2], detected));
                        long span = to == Long.MAX_VALUE ? Math.max(1, index + 1) : Math.max(1, to - from);
                        progress.report((int) Math.min(99, (index - from) * 100 / span),
                                "Detecting objects...");
                    }
                }
                return true;
            }, index -> index % every == 0); // only the sampled frames are needed again (masks)
        } finally {
            if (previousSample[0] != null) {
                previousSample[0].close();
                previousSmall[0].close();
            }
        }
        nanos[3] = System.nanoTime() - began;
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("frames", (long) distances.size());
        timings.put("samples", (long) samples.size());
        timings.put("total_ms", nanos[3] / 1_000_000);
        timings.put("histogram_ms", nanos[0] / 1_000_000);
        timings.put("detect_ms", nanos[1] / 1_000_000);
        timings.put("motion_ms", nanos[2] / 1_000_000);
        timings.put("decode_ms", Math.max(0, (nanos[3] - nanos[0] - nanos[1] - nanos[2]) / 1_000_000));
        return new AnalysisParts.RangeScan(from, Math.max(from, end[0]), distances, samples, timings);
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
        return new AnalysisParts.Tracks(tracking(tracker, fps), samples, (System.nanoTime() - began) / 1_000_000);
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
     * Joins the parts into the spec's results object: scenes from the concatenated distance series, their
     * importance, elements and description, and the crop plan. The scans must cover the video from frame 0
     * without gaps (a lost or duplicated range would silently shift every later frame, so it fails instead).
     */
    public Analysis assemble(String jobId, MediaInfo info, List<AnalysisParts.RangeScan> scans,
            AnalysisParts.Tracks tracks, List<AnalysisParts.RangeMasks> rangeMasks, ReframerOptions options) {
        double fps = fps(info);
        List<Double> distances = new ArrayList<>();
        Map<String, Object> detections = new LinkedHashMap<>();
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
                    detections.put(Long.toString(s.frame()), s.detections().stream().map(ReframerAnalyzer::json).toList());
                }
            }
        }
        long analysed = distances.size();
        List<Sample> samples = new ArrayList<>();
        for (AnalysisParts.SampleHits h : tracks.samples()) {
            AnalysisParts.SampleScan s = scanned.get(h.frame());
            samples.add(new Sample(h.frame(), h.hits(), s == null ? 0 : s.dx(), s == null ? 0 : s.dy(),
                    s == null ? 0 : s.motion()));
        }
        Map<String, Object> masks = new LinkedHashMap<>();
        rangeMasks.stream().sorted(java.util.Comparator.comparingLong(AnalysisParts.RangeMasks::from))
                .forEach(r -> r.masks().forEach((frame, list) -> masks.put(frame, list.stream().map(m -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("track_id", m.trackId());
                    json.put("class", m.cls());
                    json.put("mask_rle", m.rle());
                    json.put("mask_area_pixels", m.area());
                    return (Object) json;
                }).toList())));
        List<int[]> sceneRanges = scenes(distances, options.sceneThreshold(), analysed);
        List<Object> scenes = describeScenes(sceneRanges, samples, tracks.tracking().keySet(), fps);

        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("duration_seconds", round(info.durationSeconds(), 2));
        metadata.put("width", info.width());
        metadata.put("height", info.height());
        metadata.put("fps", round(fps, 3));
        metadata.put("codec", info.videoCodec());
        metadata.put("total_frames", info.frameCount());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("job_id", jobId);
        results.put("status", "success");
        results.put("metadata", metadata);
        results.put("detections", detections);
        results.put("segmentation_masks", masks);
        results.put("tracking", tracks.tracking());
        results.put("scenes", scenes);

        CropPlan plan = CropPlan.of(info.width(), info.height(), options.aspectW(), options.aspectH());
        int[][] windows = plan.plan(sceneRanges, samples.stream().map(s -> new CropPlan.Sample(s.frame(),
                s.hits().stream().filter(h -> h.cls().equals("person")).map(h -> new double[] {
                        h.x(), h.y(), h.w(), h.h()}).toList())).toList(),
                (int) analysed, fps);
        return new Analysis(results, info, plan.width(), plan.height(), windows[0], windows[1]);
    }

    static double fps(MediaInfo info) {
        return info.fps() > 0 ? info.fps() : 25;
    }

    private static List<AnalysisParts.RangeScan> ordered(List<AnalysisParts.RangeScan> scans) {
        return scans.stream().sorted(java.util.Comparator.comparingLong(AnalysisParts.RangeScan::from)).toList();
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

    private static List<AnalysisParts.Detected> detect(Mat image, ReframerOptions options, FrameDetector detector) {
        List<AnalysisParts.Detected> kept = new ArrayList<>();
        for (Detection d : detector.detect(image)) {
            String cls = options.classMap().get(d.className());
            if (cls == null || d.confidence() < options.detectThreshold()) {
                continue;
            }
            int x = Math.max(0, Math.round(d.x()));
            int y = Math.max(0, Math.round(d.y()));
            int w = Math.min(image.cols() - x, Math.round(d.width()));
            int h = Math.min(image.rows() - y, Math.round(d.height()));
            if (w > 0 && h > 0) {
                kept.add(new AnalysisParts.Detected(cls, d.className(), d.confidence(), x, y, w, h));
            }
        }
        return kept;
    }

    private static Map<String, Object> json(AnalysisParts.Detected d) {
        Map<String, Object> bbox = new LinkedHashMap<>();
        bbox.put("x", d.x());
        bbox.put("y", d.y());
        bbox.put("width", d.w());
        bbox.put("height", d.h());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("class", d.cls());
        json.put("confidence", round(d.confidence(), 3));
        json.put("bbox", bbox);
        json.put("label", d.label());
        return json;
    }

    /**
     * Camera motion since the previous sample: the global shift (phase correlation on small grey frames) and the
     * mean frame difference. Keeps this sample as the next one's reference.
     */
    private double[] motion(Mat image, Mat[] previousSample, Mat[] previousSmall) {
        Mat small = smallGrey(image);
        double[] motion = new double[3];
        if (previousSmall[0] != null) {
            Point2d shift = opencv_imgproc.phaseCorrelate(previousSmall[0], small);
            double scale = (double) image.cols() / MOTION_WIDTH;
            motion[0] = shift.x() * scale;
            motion[1] = shift.y() * scale;
            motion[2] = kernels.frameDifference(previousSample[0], image, 25).meanAbsDiff();
            previousSmall[0].close();
            previousSample[0].close();
        }
        previousSmall[0] = small;
        previousSample[0] = image.clone();
        return motion;
    }

    private static Mat smallGrey(Mat image) {
        try (Mat grey = new Mat(); Mat resized = new Mat()) {
            opencv_imgproc.cvtColor(image, grey, COLOR_BGR2GRAY);
            int h = Math.max(8, image.rows() * MOTION_WIDTH / image.cols());
            opencv_imgproc.resize(grey, resized, new Size(MOTION_WIDTH, h), 0, 0, INTER_AREA);
            Mat out = new Mat();
            resized.convertTo(out, CV_32F);
            return out;
        }
    }

    /** Cuts where the histogram distance to the previous frame passes the threshold and is a local peak. */
    static List<int[]> scenes(List<Double> distances, double threshold, long frames) {
        List<int[]> scenes = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < distances.size(); i++) {
            double d = distances.get(i);
            boolean peak = (i + 1 >= distances.size() || d >= distances.get(i + 1)) && d >= distances.get(i - 1);
            if (d >= threshold && peak && i - start >= 3) {
                scenes.add(new int[] {start, i - 1});
                start = i;
            }
        }
        scenes.add(new int[] {start, (int) Math.max(start, frames - 1)});
        return scenes;
    }

    private static Map<String, Object> tracking(ByteTracker tracker, double fps) {
        Map<String, Object> tracking = new LinkedHashMap<>();
        for (ByteTracker.Track t : tracker.tracks()) {
            List<Object> frames = new ArrayList<>();
            for (int i = 0; i < t.frames().size(); i++) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("frame", t.frames().get(i));
                f.put("timestamp", round(t.frames().get(i) / fps, 2));
                f.put("confidence", round(t.confidences().get(i), 3));
                frames.add(f);
            }
            long start = t.frames().get(0);
            long end = t.frames().get(t.frames().size() - 1);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("class", t.cls());
            json.put("start_frame", start);
            json.put("end_frame", end);
            json.put("duration_frames", end - start);
            json.put("avg_confidence", round(t.averageConfidence(), 3));
            json.put("frames", frames);
            tracking.put(t.id(), json);
        }
        return tracking;
    }

    private List<Object> describeScenes(List<int[]> ranges, List<Sample> samples, java.util.Collection<String> trackIds,
            double fps) {
        // Per track, its analysed frames and mean box area (for how hard it would be to replace).
        Map<String, List<Long>> trackFrames = new LinkedHashMap<>();
        Map<String, double[]> trackArea = new LinkedHashMap<>();
        Map<String, String> trackClass = new LinkedHashMap<>();
        for (Sample s : samples) {
            for (AnalysisParts.TrackedHit h : s.hits()) {
                trackFrames.computeIfAbsent(h.trackId(), k -> new ArrayList<>()).add(s.frame());
                double[] area = trackArea.computeIfAbsent(h.trackId(), k -> new double[2]);
                area[0] += (double) h.w() * h.h();
                area[1]++;
                trackClass.put(h.trackId(), h.cls());
            }
        }
        List<Object> scenes = new ArrayList<>();
        int number = 1;
        for (int[] range : ranges) {
            List<Sample> inScene = samples.stream().filter(s -> s.frame() >= range[0] && s.frame() <= range[1]).toList();
            Set<String> persons = new HashSet<>();
            Set<String> products = new HashSet<>();
            double people = 0;
            double motion = 0;
            double dx = 0;
            double dy = 0;
            for (Sample s : inScene) {
                for (AnalysisParts.TrackedHit h : s.hits()) {
                    (h.cls().equals("person") ? persons : products).add(h.trackId());
                    people += h.cls().equals("person") ? 1 : 0;
                }
                motion += s.motion();
                dx += s.dx();
                dy += s.dy();
            }
            int n = Math.max(1, inScene.size());
            double avgPeople = people / n;
            double avgMotion = motion / n;
            // Content drives importance: people on screen weigh most, products and activity (motion) add to it.
            int importance = (int) Math.max(1, Math.min(10, Math.round(2 + 1.5 * Math.min(4, avgPeople)
                    + Math.min(2, products.size()) + Math.min(2, avgMotion / 8))));
            String camera = camera(dx / n, dy / n);
            double seconds = (range[1] - range[0] + 1) / fps;
            List<Object> elements = new ArrayList<>();
            for (String id : trackIds) {
                if (!persons.contains(id) && !products.contains(id)) {
                    continue;
                }
                double[] area = trackArea.get(id);
                double meanArea = area == null || area[1] == 0 ? 0 : area[0] / area[1];
                long visible = trackFrames.getOrDefault(id, List.of()).stream()
                        .filter(f -> f >= range[0] && f <= range[1]).count();
                elements.add(replaceable(id, trackClass.get(id), meanArea, visible));
            }
            Map<String, Object> scene = new LinkedHashMap<>();
            scene.put("scene_number", number++);
            scene.put("start_frame", range[0]);
            scene.put("end_frame", range[1]);
            scene.put("description", describer.describe(
                    new SceneDescriber.SceneFacts(persons.size(), products.size(), camera, seconds)));
            scene.put("importance", importance);
            scene.put("replaceable_elements", elements);
            scenes.add(scene);
        }
        return scenes;
    }

    private static String camera(double dxPerSample, double dyPerSample) {
        double ax = Math.abs(dxPerSample);
        double ay = Math.abs(dyPerSample);
        if (Math.max(ax, ay) < 1.5) {
            return "static camera";
        }
        if (ax >= ay) {
            // Content moving right means the camera pans left.
            return dxPerSample > 0 ? "camera pans left" : "camera pans right";
        }
        return dyPerSample > 0 ? "camera tilts up" : "camera tilts down";
    }

    private static Map<String, Object> replaceable(String id, String cls, double area, long visible) {
        // Small, briefly visible objects are easy to replace; large ones on screen for long are hard.
        String difficulty = cls.equals("person") && visible > 10 ? "hard"
                : area > 20_000 || visible > 10 ? "medium" : "easy";
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", cls);
        e.put("description", cls + " " + id + ", seen in " + visible + " analysed frames, about "
                + Math.round(Math.sqrt(area)) + " px across");
        e.put("difficulty", difficulty);
        return e;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
