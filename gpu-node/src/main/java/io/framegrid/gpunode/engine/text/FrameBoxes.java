package io.framegrid.gpunode.engine.text;

import java.util.List;

/** The text boxes found on one frame ({@code frame}: the frame's index in its video). */
public record FrameBoxes(long frame, List<TextBox> boxes) {

    public FrameBoxes {
        boxes = List.copyOf(boxes);
    }
}
