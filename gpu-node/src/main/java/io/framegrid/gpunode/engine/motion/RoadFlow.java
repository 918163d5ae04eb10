package io.framegrid.gpunode.engine.motion;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.DISOpticalFlow;

/**
 * Dense optical flow of the road in front of a forward-facing camera, reduced to a few numbers per frame pair:
 * for each of {@link #BANDS} horizontal bands of the road region (below the horizon, the central part of the
 * width), the median downward flow in image heights per second. For a camera at height h moving at speed v over a
 * flat road, a ground point y below the horizon (focal units) moves y² v / h per second down the image, so each
 * band's value is proportional to v: a linear model per band turns it into a speed, and the bands disagreeing is
 * a measure of how much to trust the estimate. Also reported: the share of road pixels whose flow points down,
 * low when the flow is noise (untextured road, occlusion, rotation).
 *
 * <p>Flow is OpenCV's DIS (fast preset, coarse-to-fine, so road texture moving tens of pixels per frame is
 * followed) on frames scaled to {@link #WORK_WIDTH} pixels wide. One instance per thread (DIS keeps state).
 */
public final class RoadFlow implements AutoCloseable {
    /** Row bands of the road region, top (far, slow flow) to bottom (near, fast flow). */
    public static final int BANDS = 6;
    /** Frames are scaled to this width before the flow (speed over detail: the bands are medians anyway). */
    public static final int WORK_WIDTH = 320;
    /** The road region: rows from 58 % to 96 % of the height, columns 20 % to 80 % of the width. */
    static final double TOP = 0.58;
    static final double BOTTOM = 0.96;
    static final double LEFT = 0.20;
    static final double RIGHT = 0.80;

    /** One frame pair's measure: per-band flow (image heights per second) and the downward share (0..1). */
    public record Measure(double[] bands, double downward) {}

    private final DISOpticalFlow dis = DISOpticalFlow.create(DISOpticalFlow.PRESET_FAST);
    private final Mat flow = new Mat();

    /** The grey, scaled working image of a BGR (or grey) frame; the caller owns (and closes) it. */
    public Mat prepare(Mat frame) {
        Mat gray = new Mat();
        if (frame.channels() == 3) {
            cvtColor(frame, gray, COLOR_BGR2GRAY);
        } else {
            frame.copyTo(gray);
        }
        int height = Math.max(2, (int) Math.round(gray.rows() * (double) WORK_WIDTH / gray.cols()));
        Mat small = new Mat();
        resize(gray, small, new Size(WORK_WIDTH, height), 0, 0, INTER_AREA);
        gray.close();
        return small;
    }

    /**
     * The flow from {@code previous} to {@code next} (prepared images of consecutive frames, {@code dtSeconds}
     * apart) over the road region.
     */
    public Measure measure(Mat previous, Mat next, double dtSeconds) {
        int w = previous.cols();
        int h = previous.rows();
        Rect road = new Rect((int) (w * LEFT), (int) (h * TOP), (int) (w * (RIGHT - LEFT)), (int) (h * (BOTTOM - TOP)));
        try (Mat a = new Mat(previous, road).clone(); Mat b = new Mat(next, road).clone()) {
            dis.calc(a, b, flow);
        }
        int rows = flow.rows();
        int cols = flow.cols();
        FloatBuffer data = flow.createBuffer();
        double[] bands = new double[BANDS];
        int down = 0;
        float[] dy = new float[cols * ((rows + BANDS - 1) / BANDS + 1)];
        for (int band = 0; band < BANDS; band++) {
            int from = band * rows / BANDS;
            int to = (band + 1) * rows / BANDS;
            int n = 0;
            for (int y = from; y < to; y++) {
                for (int x = 0; x < cols; x++) {
                    float v = data.get((y * cols + x) * 2 + 1);
                    dy[n++] = v;
                    if (v > 0) {
                        down++;
                    }
                }
            }
            Arrays.sort(dy, 0, n);
            double median = n == 0 ? 0 : dy[n / 2];
            // Image heights per second, so the measure does not depend on the working resolution.
            bands[band] = median / h / dtSeconds;
        }
        return new Measure(bands, rows * cols == 0 ? 0 : (double) down / (rows * cols));
    }

    /** The band-wise and downward-share mean of several measures (the frame pairs of one output sample). */
    public static Measure mean(java.util.List<Measure> measures) {
        double[] bands = new double[BANDS];
        double down = 0;
        for (Measure m : measures) {
            for (int b = 0; b < BANDS; b++) {
                bands[b] += m.bands()[b] / measures.size();
            }
            down += m.downward() / measures.size();
        }
        return new Measure(bands, down);
    }

    @Override
    public void close() {
        flow.close();
        dis.close();
    }
}
