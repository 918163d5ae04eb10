package io.framegrid.gpunode.framecache;

/** A decoded frame: which media, which frame, and which variant (e.g. {@code bgr}, {@code gray}, {@code 416x416}). */
public record FrameKey(String mediaId, long frameIndex, String variant) {
    public FrameKey {
        if (mediaId.indexOf('|') >= 0 || variant.indexOf('|') >= 0) {
            throw new IllegalArgumentException("'|' is not allowed in frame keys");
        }
    }

    String id() {
        return mediaId + '|' + frameIndex + '|' + variant;
    }

    String part(int part) {
        return id() + '|' + part;
    }
}
