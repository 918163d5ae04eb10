package io.framegrid.fabric.jobs;

import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.LogEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ignite.IgniteCache;

/**
 * Storage of a job's log: lines 1..{@value #INLINE_LOG_LINES} live in the job record
 * ({@code JobState.inline_log}), written in the same put as the state change they belong to, so a short job
 * (submitted, completed) writes no log-cache entry at all; later lines are entries of the log cache. At most
 * {@code maxLines} are kept: appending beyond drops the oldest. Appends run inside the caller's transaction,
 * under the lock of the job record, which orders a job's lines.
 */
final class JobLog {
    static final int INLINE_LOG_LINES = 4;

    private final IgniteCache<String, byte[]> logs;
    private final int maxLines;
    private final Clock clock;

    JobLog(IgniteCache<String, byte[]> logs, int maxLines, Clock clock) {
        this.logs = logs;
        this.maxLines = maxLines;
        this.clock = clock;
    }

    /** Appends a line to {@code js} (the caller puts the record); the caller holds the job's lock. */
    void append(JobState.Builder js, String level, String message) {
        long seq = js.getLogSequence() + 1;
        js.setLogSequence(seq);
        String jobId = js.getJob().getJobId();
        LogEntry entry = LogEntry.newBuilder().setSequence(seq).setTimeMs(clock.millis())
                .setLevel(level).setMessage(message).build();
        if (seq <= INLINE_LOG_LINES) {
            js.addInlineLog(entry);
        } else {
            logs.put(LedgerKeys.logKey(jobId, seq), entry.toByteArray());
        }
        long drop = seq - maxLines;
        if (drop >= 1) {
            int inlineIndex = -1;
            for (int i = 0; i < js.getInlineLogCount(); i++) {
                if (js.getInlineLog(i).getSequence() == drop) {
                    inlineIndex = i;
                    break;
                }
            }
            if (inlineIndex >= 0) {
                js.removeInlineLog(inlineIndex);
            } else {
                logs.remove(LedgerKeys.logKey(jobId, drop));
            }
        }
    }

    /** Stored lines of {@code state}'s job, oldest first; at most the last {@code tail} when tail &gt; 0. */
    List<LogEntry> lines(JobState state, int tail) {
        String jobId = state.getJob().getJobId();
        long last = state.getLogSequence();
        long first = Math.max(1, last - maxLines + 1);
        if (tail > 0) {
            first = Math.max(first, last - tail + 1);
        }
        Map<Long, LogEntry> inline = new HashMap<>();
        for (LogEntry e : state.getInlineLogList()) {
            inline.put(e.getSequence(), e);
        }
        Set<String> keys = new LinkedHashSet<>();
        for (long seq = first; seq <= last; seq++) {
            if (!inline.containsKey(seq)) {
                keys.add(LedgerKeys.logKey(jobId, seq));
            }
        }
        Map<String, byte[]> found = keys.isEmpty() ? Map.of() : logs.getAll(keys);
        List<LogEntry> lines = new ArrayList<>();
        for (long seq = first; seq <= last; seq++) {
            LogEntry e = inline.get(seq);
            if (e == null) {
                byte[] bytes = found.get(LedgerKeys.logKey(jobId, seq));
                e = bytes == null ? null : Protos.parse(LogEntry.parser(), bytes);
            }
            if (e != null) {
                lines.add(e);
            }
        }
        return lines;
    }
}
