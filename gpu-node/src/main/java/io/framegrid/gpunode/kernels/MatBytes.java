package io.framegrid.gpunode.kernels;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import org.bytedeco.opencv.opencv_core.Mat;

/** Copies between OpenCV matrices and Java arrays (the kernels work on tightly packed pixels). */
public final class MatBytes {

    private MatBytes() {
    }

    /** Packed BGR bytes of an 8-bit 3-channel image. */
    public static byte[] bgr(Mat image) {
        require(image, CV_8UC3, "an 8-bit BGR image");
        return bytes(image);
    }

    /** Packed bytes of an 8-bit single-channel mask. */
    public static byte[] mask(Mat mask) {
        require(mask, CV_8UC1, "an 8-bit single-channel mask");
        return bytes(mask);
    }

    /** Checks for an 8-bit BGR image without copying it. */
    static void requireBgr(Mat image) {
        require(image, CV_8UC3, "an 8-bit BGR image");
    }

    /** Checks for an 8-bit single-channel mask without copying it. */
    static void requireMask(Mat mask) {
        require(mask, CV_8UC1, "an 8-bit single-channel mask");
    }

    public static Mat toMat(byte[] data, int width, int height, int type) {
        Mat mat = new Mat(height, width, type);
        mat.data().put(data);
        return mat;
    }

    private static byte[] bytes(Mat image) {
        Mat packed = image.isContinuous() ? image : image.clone();
        byte[] out = new byte[(int) (packed.total() * packed.channels())];
        packed.data().get(out);
        return out;
    }

    private static void require(Mat mat, int type, String what) {
        if (mat == null || mat.empty() || mat.type() != type) {
            throw new IllegalArgumentException("expected " + what);
        }
    }
}
