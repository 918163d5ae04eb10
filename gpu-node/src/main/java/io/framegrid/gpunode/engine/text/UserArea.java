package io.framegrid.gpunode.engine.text;

/**
 * An area a user marked for removal: {@code box} on frames {@code firstFrame..lastFrame} (inclusive). Erased whatever
 * detection finds there, and not cut at shot boundaries (the user chose the time range).
 */
public record UserArea(long firstFrame, long lastFrame, TextBox box, Kind kind) {

    /** What to do with the area; the studio spec's annotations know one type, {@code "erasure"}. */
    public enum Kind {
        ERASE;

        /** The kind for a spec annotation type ({@code "erasure"}); anything else is an {@link IllegalArgumentException}. */
        public static Kind ofSpec(String type) {
            if ("erasure".equals(type)) {
                return ERASE;
            }
            throw new IllegalArgumentException("unknown annotation type '" + type + "' (expected \"erasure\")");
        }
    }

    public UserArea {
        if (firstFrame < 0 || lastFrame < firstFrame) {
            throw new IllegalArgumentException("bad frame range " + firstFrame + ".." + lastFrame);
        }
    }

    /**
     * An area given in seconds, as the spec's annotations are: the frames whose start time lies in
     * {@code [startSeconds, endSeconds)} at {@code fps}.
     */
    public static UserArea ofSeconds(double startSeconds, double endSeconds, TextBox box, Kind kind, double fps) {
        if (!(fps > 0) || !(endSeconds > startSeconds) || startSeconds < 0) {
            throw new IllegalArgumentException("bad time range " + startSeconds + "–" + endSeconds + " s");
        }
        long first = (long) Math.ceil(startSeconds * fps - 1e-9);
        long last = Math.max(first, (long) Math.ceil(endSeconds * fps - 1e-9) - 1);
        return new UserArea(first, last, box, kind);
    }

    public boolean covers(long frame) {
        return frame >= firstFrame && frame <= lastFrame;
    }
}
