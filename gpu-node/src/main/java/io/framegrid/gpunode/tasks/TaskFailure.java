package io.framegrid.gpunode.tasks;

/**
 * A task failure worded for the job's user. Its message becomes the job's error as it is (no class names, no paths);
 * the cause, with the details, goes to the job's log. A {@link #permanent} failure (a corrupt file, a refused input)
 * would fail the same way on every node, so the job fails at once instead of spending its attempts.
 */
public final class TaskFailure extends RuntimeException {
    private final boolean retryable;

    private TaskFailure(String userMessage, Throwable cause, boolean retryable) {
        super(userMessage, cause);
        this.retryable = retryable;
    }

    /** Fails the job at once with {@code userMessage}. */
    public static TaskFailure permanent(String userMessage, Throwable cause) {
        return new TaskFailure(userMessage, cause, false);
    }

    /** Fails this attempt; the task is retried while attempts remain, then the job fails with {@code userMessage}. */
    public static TaskFailure retryable(String userMessage, Throwable cause) {
        return new TaskFailure(userMessage, cause, true);
    }

    /** Whether another attempt could succeed. */
    public boolean retryable() {
        return retryable;
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
