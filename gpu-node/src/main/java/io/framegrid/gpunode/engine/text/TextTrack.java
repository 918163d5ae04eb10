package io.framegrid.gpunode.engine.text;

import java.util.List;

/**
 * One text over time: present on frames {@code firstFrame..lastFrame} (inclusive), located by keyframes (the
 * sampled frames it was detected on, boxes already snapped; a text that stays put has one keyframe, the union of its
 * detections). Between two keyframes the text is taken to cover the union of their boxes (the area a moving text
 * swept); before the first and after the last keyframe, the nearest keyframe's box.
 *
 * @param userArea true for an area a user marked ({@link UserArea}), false for detected text
 */
public record TextTrack(long firstFrame, long lastFrame, List<FrameBoxes> keyframes, boolean userArea) {

    public TextTrack {
        keyframes = List.copyOf(keyframes);
        if (keyframes.isEmpty() || lastFrame < firstFrame) {
            throw new IllegalArgumentException("a track needs keyframes and a frame range");
        }
    }

    public boolean covers(long frame) {
        return frame >= firstFrame && frame <= lastFrame;
    }

    /** The text's box on {@code frame} (which the track must cover). */
    public TextBox boxAt(long frame) {
        FrameBoxes before = null;
        FrameBoxes after = null;
        for (FrameBoxes k : keyframes) {
            if (k.frame() <= frame) {
                before = k;
            }
            if (k.frame() >= frame) {
                after = k;
                break;
            }
        }
        TextBox a = before == null ? null : before.boxes().get(0);
        TextBox b = after == null ? null : after.boxes().get(0);
        if (a == null) {
            return b;
        }
        return b == null ? a : a.union(b);
    }
}
