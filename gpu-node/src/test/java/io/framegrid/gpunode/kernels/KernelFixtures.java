package io.framegrid.gpunode.kernels;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Real frames and images shared by the kernel tests. */
final class KernelFixtures {

    private KernelFixtures() {
    }

    static List<Mat> vtestFrames(long from, long to) {
        return new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"), FrameSampling.range(from, to))
                .stream().map(DecodedFrame::image).toList();
    }

    static Mat image(String name) {
        return opencv_imgcodecs.imread(SharedFiles.media("images/" + name).toString());
    }

    static Mat mask(Mat like, Rect... rects) {
        Mat mask = new Mat(like.rows(), like.cols(), CV_8UC1, new Scalar(0));
        for (Rect r : rects) {
            new Mat(mask, r).put(new Scalar(255));
        }
        return mask;
    }

    static float[] floats(Mat m) {
        Mat f = new Mat();
        m.convertTo(f, CV_32F);
        float[] out = new float[(int) (f.total() * f.channels())];
        new FloatPointer(f.data()).get(out);
        return out;
    }
}
