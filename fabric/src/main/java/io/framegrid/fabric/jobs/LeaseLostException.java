package io.framegrid.fabric.jobs;

/** A task write was refused: the writer no longer holds the task's lease (expired, re-leased, or the job ended). */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(String message) {
        super(message, null, false, false);
    }
}
