package io.framegrid.gpunode.media;

/** Media that cannot be opened, probed, decoded or encoded; the message names the file and the cause. */
public final class MediaException extends RuntimeException {
    public MediaException(String message) {
        super(message);
    }

    public MediaException(String message, Throwable cause) {
        super(message, cause);
    }
}
