package io.framegrid.fabric.jobs;

import java.util.List;

/** What a finished task hands to the ledger: its output, the references it produced, credits and log lines. */
public record TaskCommit(byte[] data, List<String> resultRefs, long credits, List<String> logLines) {
    public static TaskCommit empty() {
        return new TaskCommit(new byte[0], List.of(), 0, List.of());
    }
}
