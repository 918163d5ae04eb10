package io.framegrid.gpunode.reframer;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.framegrid.gpunode.engine.scenes.ShotBoundaries;
import io.framegrid.gpunode.inference.Detection;
import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.kernels.Histograms;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2d;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Stage 0 of an analysis, one frame range in one decoding pass: the histogram distance of every frame to its
 * predecessor (for shot boundaries), and on the sampled frames the detections mapped to {@code person}/{@code product}
 * and the camera motion since the previous sample.
 */
final class RangeScanner {
    private static final int MOTION_WIDTH = 160;

    private final MediaDecoder decoder;
    private final FrameKernels kernels;

    RangeScanner(MediaDecoder decoder, FrameKernels kernels) {
        this.decoder = decoder;
        this.kernels = kernels;
    }

    /**
     * Scans frames {@code [from, to)} (to the last frame that decodes at most). A range not starting at 0 decodes from
     * the sample before it, so its first distance and first motion come out exactly as in one pass over the video.
     */
    AnalysisParts.RangeScan scan(Path video, long from, long to, ReframerOptions options,
            ReframerAnalyzer.FrameDetector detector, ReframerAnalyzer.Progress progress, BooleanSupplier cancelled) {
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
        // A range, not the whole file: the probe already counted what decodes, so a container that declares more
        // frames than it holds is analysed up to its real end instead of failing as truncated.
        FrameSampling sampling = FrameSampling.range(start, to);
        try {
            decoder.decode(video, sampling, frame -> {
                long index = frame.index();
                if (index >= to || cancelled.getAsBoolean()) {
                    return false;
                }
                long t0 = System.nanoTime();
                float[] histogram = kernels.histogram(frame.image(), ShotBoundaries.HISTOGRAM_BINS);
                if (index >= from) {
                    distances.add(previousHistogram[0] == null ? 0.0
                            : Histograms.distance(previousHistogram[0], histogram, ShotBoundaries.HISTOGRAM_BINS));
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
                        progress.report((int) Math.min(99, (index - from) * 100 / span), "Detecting objects...");
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

    private static List<AnalysisParts.Detected> detect(Mat image, ReframerOptions options,
            ReframerAnalyzer.FrameDetector detector) {
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
}
