package io.framegrid.gpunode.reconstruction;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.goodFeaturesToTrack;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_video.calcOpticalFlowPyrLK;

import io.framegrid.gpunode.kernels.FrameKernels;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Keyframes for structure from motion: frames far enough apart to triangulate, and sharp. Features (Shi–Tomasi
 * corners) of the last keyframe are tracked (pyramidal Lucas–Kanade) into each following frame; once their median
 * displacement (the parallax) reaches {@link #minParallax} of the frame width, or fewer than half of them still track
 * (the view moved on), the sharpest frame (variance of the Laplacian) among those already past half that parallax
 * becomes the next keyframe. The first frame is always one. Work is done on a copy at most {@link #WORK_WIDTH} wide.
 */
final class KeyframeSelector {
    static final int WORK_WIDTH = 640;
    static final int CORNERS = 400;
    private final double minParallax;
    /** Candidates held at most before the sharpest of them is taken anyway (bounds memory on slow pans). */
    private final int maxWindow;
    /** The node's kernels: sharpness runs on the GPU where the node has one. */
    private final FrameKernels kernels;

    KeyframeSelector(FrameKernels kernels, double minParallax, int maxWindow) {
        this.kernels = kernels;
        this.minParallax = minParallax;
        this.maxWindow = maxWindow;
    }

    record Keyframe(long index, Mat image, double sharpness, double parallax) {}

    record Selection(List<Keyframe> frames, long decoded) {}

    private static final class Candidate {
        final long index;
        final Mat image;
        final Mat grey;
        final double sharpness;
        final double parallax;

        Candidate(long index, Mat image, Mat grey, double sharpness, double parallax) {
            this.index = index;
            this.image = image;
            this.grey = grey;
            this.sharpness = sharpness;
            this.parallax = parallax;
        }
    }

    Selection select(MediaDecoder decoder, Path video, long expectedFrames, TaskContext ctx) {
        List<Keyframe> chosen = new ArrayList<>();
        List<Candidate> window = new ArrayList<>();
        Mat[] keyGrey = {null};
        Mat[] keyCorners = {null};
        long[] decoded = {0};
        try {
            decoder.decode(video, FrameSampling.all(), frame -> {
                decoded[0]++;
                if (ctx != null) {
                    ctx.checkCancelled();
                    ctx.progress((int) Math.min(90, 90 * decoded[0] / Math.max(1, expectedFrames)),
                            "Selecting keyframes");
                }
                Mat grey = grey(frame.image());
                double sharp = kernels.laplacianVariance(grey);
                if (keyGrey[0] == null) {
                    chosen.add(new Keyframe(frame.index(), frame.image().clone(), sharp, 0));
                    keyGrey[0] = grey;
                    keyCorners[0] = corners(grey);
                    return true;
                }
                double[] track = parallax(keyGrey[0], keyCorners[0], grey);
                double parallax = track[0] / grey.cols();
                if (parallax >= minParallax * 0.5 || track[1] < 0.5) {
                    window.add(new Candidate(frame.index(), frame.image().clone(), grey, sharp, parallax));
                } else {
                    grey.close();
                }
                if (!window.isEmpty() && (parallax >= minParallax || track[1] < 0.5 || window.size() >= maxWindow)) {
                    Candidate best = window.get(0);
                    for (Candidate c : window) {
                        if (c.sharpness > best.sharpness) {
                            best = c;
                        }
                    }
                    chosen.add(new Keyframe(best.index, best.image, best.sharpness, best.parallax));
                    keyGrey[0].close();
                    keyCorners[0].close();
                    keyGrey[0] = best.grey;
                    keyCorners[0] = corners(best.grey);
                    for (Candidate c : window) {
                        if (c != best) {
                            c.image.close();
                            c.grey.close();
                        }
                    }
                    window.clear();
                }
                return true;
            });
        } catch (MediaException e) {
            throw TaskFailure.permanent("The video could not be decoded: the file is corrupt or cut short", e);
        }
        // The end of the video: the sharpest remaining candidate still adds a view.
        if (!window.isEmpty()) {
            Candidate best = window.stream().max((a, b) -> Double.compare(a.sharpness, b.sharpness)).orElseThrow();
            chosen.add(new Keyframe(best.index, best.image, best.sharpness, best.parallax));
            window.stream().filter(c -> c != best).forEach(c -> c.image.close());
            window.forEach(c -> c.grey.close());
        }
        if (keyGrey[0] != null) {
            keyCorners[0].close();
        }
        return new Selection(chosen, decoded[0]);
    }

    private static Mat grey(Mat bgr) {
        Mat g = new Mat();
        cvtColor(bgr, g, COLOR_BGR2GRAY);
        if (g.cols() <= WORK_WIDTH) {
            return g;
        }
        Mat small = new Mat();
        int h = Math.max(1, (int) Math.round(g.rows() * (double) WORK_WIDTH / g.cols()));
        resize(g, small, new Size(WORK_WIDTH, h), 0, 0, INTER_AREA);
        g.close();
        return small;
    }

    private static Mat corners(Mat grey) {
        Mat c = new Mat();
        goodFeaturesToTrack(grey, c, CORNERS, 0.01, 8);
        return c;
    }

    /** Median displacement in pixels of the tracked corners, and the share of corners that tracked. */
    private static double[] parallax(Mat fromGrey, Mat corners, Mat toGrey) {
        if (corners.empty() || corners.rows() == 0) {
            return new double[] {Double.MAX_VALUE, 0};
        }
        try (Mat next = new Mat(); Mat status = new Mat(); Mat err = new Mat()) {
            calcOpticalFlowPyrLK(fromGrey, toGrey, corners, next, status, err);
            int n = corners.rows();
            double[] d = new double[n];
            int ok = 0;
            FloatIndexer a = corners.createIndexer();
            FloatIndexer b = next.createIndexer();
            UByteIndexer s = status.createIndexer();
            for (int i = 0; i < n; i++) {
                if (s.get(i) != 0) {
                    double dx = b.get(i, 0, 0) - a.get(i, 0, 0);
                    double dy = b.get(i, 0, 1) - a.get(i, 0, 1);
                    d[ok++] = Math.sqrt(dx * dx + dy * dy);
                }
            }
            if (ok == 0) {
                return new double[] {Double.MAX_VALUE, 0};
            }
            double[] tracked = Arrays.copyOf(d, ok);
            Arrays.sort(tracked);
            return new double[] {tracked[ok / 2], (double) ok / n};
        }
    }
}
