package io.framegrid.gpunode.reframer;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.GC_INIT_WITH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Histograms;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.nio.ByteBuffer;
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

    public ReframerAnalyzer(MediaDecoder decoder, FrameKernels kernels, SceneDescriber describer) {
        this.decoder = decoder;
        this.kernels = kernels;
        this.describer = describer;
    }

    /** What {@link #analyze} found: the spec's results object plus the crop plan for {@link #render}. */
    public record Analysis(Map<String, Object> results, MediaInfo info, int cropWidth, int cropHeight,
            int[] cropX, int[] cropY) {}

    private record Sample(long frame, List<ByteTracker.Hit> hits, double dx, double dy, double motion) {}

    public Analysis analyze(Path video, String jobId, ReframerOptions options, FrameDetector detector,
            Progress progress, BooleanSupplier cancelled) {
        MediaInfo info = decoder.probe(video);
        long declared = Math.max(1, info.frameCount());
        long limit = options.maxFrames() > 0 ? Math.min(options.maxFrames(), declared) : declared;
        double fps = info.fps() > 0 ? info.fps() : 25;
        ByteTracker tracker = new ByteTracker(options.highThreshold(),
                Math.max(2, (int) Math.round(fps * 3 / options.sampleEvery())));
        List<Double> distances = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        Map<String, Object> detections = new LinkedHashMap<>();
        Map<String, Object> masks = new LinkedHashMap<>();
        float[][] previousHistogram = new float[1][];
        Mat[] previousSample = new Mat[1];
        Mat[] previousSmall = new Mat[1];
        long[] seen = new long[1];

        decoder.decode(video, FrameSampling.all(), frame -> {
            if (frame.index() >= limit || cancelled.getAsBoolean()) {
                return false;
            }
            seen[0] = frame.index() + 1;
            float[] histogram = kernels.histogram(frame.image(), HISTOGRAM_BINS);
            distances.add(previousHistogram[0] == null ? 0.0
                    : Histograms.distance(previousHistogram[0], histogram, HISTOGRAM_BINS));
            previousHistogram[0] = histogram;
            if (frame.index() % options.sampleEvery() == 0) {
                samples.add(analyseSample(frame, options, detector, tracker, detections, masks, previousSample,
                        previousSmall));
                progress.report((int) (frame.index() * 90 / limit), "Detecting, tracking and segmenting objects...");
            }
            return true;
        });
        if (previousSample[0] != null) {
            previousSample[0].close();
            previousSmall[0].close();
        }
        long analysed = seen[0];
        progress.report(90, "Detecting scenes...");
        List<int[]> sceneRanges = scenes(distances, options.sceneThreshold(), analysed);
        Map<String, Object> tracking = tracking(tracker, fps);
        List<Object> scenes = describeScenes(sceneRanges, samples, tracker, fps);

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
        results.put("tracking", tracking);
        results.put("scenes", scenes);

        CropPlan plan = CropPlan.of(info.width(), info.height(), options.aspectW(), options.aspectH());
        int[][] windows = plan.plan(sceneRanges, samples.stream().map(s -> new CropPlan.Sample(s.frame(),
                s.hits().stream().filter(h -> h.track().cls().equals("person")).map(h -> new double[] {
                        h.box().x(), h.box().y(), h.box().w(), h.box().h()}).toList())).toList(),
                (int) analysed, fps);
        return new Analysis(results, info, plan.width(), plan.height(), windows[0], windows[1]);
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

    private Sample analyseSample(DecodedFrame frame, ReframerOptions options, FrameDetector detector,
            ByteTracker tracker, Map<String, Object> detections, Map<String, Object> masks, Mat[] previousSample,
            Mat[] previousSmall) {
        Mat image = frame.image();
        List<ByteTracker.Box> boxes = new ArrayList<>();
        List<Object> frameDetections = new ArrayList<>();
        for (Detection d : detector.detect(image)) {
            String cls = options.classMap().get(d.className());
            if (cls == null || d.confidence() < options.detectThreshold()) {
                continue;
            }
            int x = Math.max(0, Math.round(d.x()));
            int y = Math.max(0, Math.round(d.y()));
            int w = Math.min(image.cols() - x, Math.round(d.width()));
            int h = Math.min(image.rows() - y, Math.round(d.height()));
            if (w <= 0 || h <= 0) {
                continue;
            }
            Map<String, Object> bbox = new LinkedHashMap<>();
            bbox.put("x", x);
            bbox.put("y", y);
            bbox.put("width", w);
            bbox.put("height", h);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("class", cls);
            json.put("confidence", round(d.confidence(), 3));
            json.put("bbox", bbox);
            json.put("label", d.className());
            frameDetections.add(json);
            boxes.add(new ByteTracker.Box(cls, d.confidence(), x, y, w, h, json));
        }
        if (!frameDetections.isEmpty()) {
            detections.put(Long.toString(frame.index()), frameDetections);
        }
        List<ByteTracker.Hit> hits = tracker.update(frame.index(), boxes);
        if (options.masks() && !hits.isEmpty()) {
            List<Object> frameMasks = new ArrayList<>();
            for (ByteTracker.Hit hit : hits) {
                Rle.Encoded rle = mask(image, hit.box());
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("track_id", hit.track().id());
                json.put("class", hit.track().cls());
                json.put("mask_rle", rle.counts());
                json.put("mask_area_pixels", rle.area());
                frameMasks.add(json);
            }
            masks.put(Long.toString(frame.index()), frameMasks);
        }
        // Camera motion: global shift between consecutive samples (phase correlation on small grey frames).
        Mat small = smallGrey(image);
        double dx = 0;
        double dy = 0;
        double motion = 0;
        if (previousSmall[0] != null) {
            Point2d shift = opencv_imgproc.phaseCorrelate(previousSmall[0], small);
            double scale = (double) image.cols() / MOTION_WIDTH;
            dx = shift.x() * scale;
            dy = shift.y() * scale;
            motion = kernels.frameDifference(previousSample[0], image, 25).meanAbsDiff();
            previousSmall[0].close();
            previousSample[0].close();
        }
        previousSmall[0] = small;
        previousSample[0] = image.clone();
        return new Sample(frame.index(), hits, dx, dy, motion);
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

    /** GrabCut seeded by the box, on the box plus a margin; the mask covers the whole frame. */
    static Rle.Encoded mask(Mat image, ByteTracker.Box box) {
        int frameW = image.cols();
        int frameH = image.rows();
        int bx = (int) box.x();
        int by = (int) box.y();
        int bw = (int) box.w();
        int bh = (int) box.h();
        byte[] full = new byte[frameW * frameH];
        int mx = Math.max(4, bw / 6);
        int my = Math.max(4, bh / 6);
        int rx = Math.max(0, bx - mx);
        int ry = Math.max(0, by - my);
        int rw = Math.min(frameW, bx + bw + mx) - rx;
        int rh = Math.min(frameH, by + bh + my) - ry;
        boolean filled = false;
        if (bw >= 8 && bh >= 8 && rw > bw && rh > bh) {
            try (Mat roi = new Mat(image, new Rect(rx, ry, rw, rh)); Mat region = roi.clone(); Mat gc = new Mat();
                    Mat bgd = new Mat(); Mat fgd = new Mat()) {
                opencv_imgproc.grabCut(region, gc, new Rect(bx - rx, by - ry, bw, bh), bgd, fgd, 2, GC_INIT_WITH_RECT);
                byte[] labels = new byte[rw * rh];
                gc.data().get(labels);
                for (int r = 0; r < rh; r++) {
                    for (int c = 0; c < rw; c++) {
                        byte v = labels[r * rw + c];
                        if (v == 1 || v == 3) {
                            full[(ry + r) * frameW + rx + c] = 1;
                            filled = true;
                        }
                    }
                }
            }
        }
        if (!filled) {
            // Too small (or GrabCut found nothing): the box itself is the best mask there is.
            for (int r = by; r < Math.min(frameH, by + bh); r++) {
                java.util.Arrays.fill(full, r * frameW + bx, r * frameW + Math.min(frameW, bx + bw), (byte) 1);
            }
        }
        return Rle.encode(ByteBuffer.wrap(full), frameW, frameH);
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

    private List<Object> describeScenes(List<int[]> ranges, List<Sample> samples, ByteTracker tracker, double fps) {
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
                for (ByteTracker.Hit h : s.hits()) {
                    (h.track().cls().equals("person") ? persons : products).add(h.track().id());
                    people += h.track().cls().equals("person") ? 1 : 0;
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
            Map<String, Object> scene = new LinkedHashMap<>();
            scene.put("scene_number", number++);
            scene.put("start_frame", range[0]);
            scene.put("end_frame", range[1]);
            scene.put("description", describer.describe(
                    new SceneDescriber.SceneFacts(persons.size(), products.size(), camera, seconds)));
            scene.put("importance", importance);
            scene.put("replaceable_elements", replaceable(tracker, persons, products, range));
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

    private static List<Object> replaceable(ByteTracker tracker, Set<String> persons, Set<String> products,
            int[] range) {
        List<Object> elements = new ArrayList<>();
        for (ByteTracker.Track t : tracker.tracks()) {
            if (!persons.contains(t.id()) && !products.contains(t.id())) {
                continue;
            }
            double area = t.boxes().stream().mapToDouble(b -> b.w() * b.h()).average().orElse(0);
            long visible = t.frames().stream().filter(f -> f >= range[0] && f <= range[1]).count();
            // Small, briefly visible objects are easy to replace; large ones on screen for long are hard.
            String difficulty = t.cls().equals("person") && visible > 10 ? "hard"
                    : area > 20_000 || visible > 10 ? "medium" : "easy";
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("type", t.cls());
            e.put("description", t.cls() + " " + t.id() + ", seen in " + visible + " analysed frames, about "
                    + Math.round(Math.sqrt(area)) + " px across");
            e.put("difficulty", difficulty);
            elements.add(e);
        }
        return elements;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
