package io.framegrid.fabric.jobs;

/**
 * The ledger's key scheme. A task's key and a log line's key both start with their job's id, so the job of any
 * task or log entry (a continuous query sees only the key) is found without a read.
 */
public final class LedgerKeys {
    private static final char SEP = '#';

    private LedgerKeys() {}

    /** Key of the task for chunk {@code chunk} of stage {@code stage}; unique per job, stable across attempts. */
    public static String taskId(String jobId, int stage, int chunk) {
        return jobId + SEP + stage + SEP + chunk;
    }

    /** The job a task key (or log key) belongs to. */
    public static String jobIdOf(String key) {
        return key.substring(0, key.indexOf(SEP));
    }

    /** Key of log line {@code sequence} (1-based) of a job in the log cache. */
    public static String logKey(String jobId, long sequence) {
        return jobId + SEP + sequence;
    }
}
