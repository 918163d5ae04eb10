package io.framegrid.gpunode.engine.lipsync;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/** Regenerates the mouth region of one segment's frames from that segment's audio. */
public interface LipSync extends AutoCloseable {

  /**
   * Rewrites, in place, the mouth region of the face in each BGR frame so that it follows the audio; frames
   * without a face are left as they are, and no pixel inside a protected box is ever changed.
   */
  void apply(List<Mat> frames, double fps, float[] monoPcm16k, List<Rect> protectedBoxes);

  /** The installed model's id and version, as the job's metadata names it. */
  String modelId();

  @Override
  void close();
}
