package io.framegrid.launcher.cli;

import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobEvent;
import io.framegrid.proto.jobs.v1.JobLogLine;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.ListJobsRequest;
import io.framegrid.sdk.FramegridException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code framegrid jobs list|watch|logs|cancel}: a user's jobs on a coordinator, over its public gRPC API. */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List, watch, read the logs of and cancel jobs",
        subcommands = {JobsCommand.ListJobs.class, JobsCommand.Watch.class, JobsCommand.Logs.class, JobsCommand.Cancel.class})
public final class JobsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    static String status(JobStatus s) {
        return s.name().substring("JOB_STATUS_".length()).toLowerCase(Locale.ROOT);
    }

    static boolean terminal(JobStatus s) {
        return s == JobStatus.JOB_STATUS_COMPLETED || s == JobStatus.JOB_STATUS_FAILED || s == JobStatus.JOB_STATUS_CANCELLED;
    }

    /** The exit code of a command that waited for a job: 0 completed, 1 otherwise. */
    static int exitCode(Job job) {
        return job.getStatus() == JobStatus.JOB_STATUS_COMPLETED ? 0 : 1;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Your jobs, newest first")
    static final class ListJobs implements Callable<Integer> {
        @Mixin Login login = new Login();
        @Option(names = "--status", description = "Only jobs in this state: queued, processing, completed, failed, cancelled")
        String status;
        @Option(names = "--type", description = "Only jobs of this type") String type;
        @Option(names = "--limit", defaultValue = "20") int limit;

        @Override
        public Integer call() {
            ListJobsRequest.Builder request = ListJobsRequest.newBuilder().setLimit(limit);
            if (status != null) {
                request.addStatuses(JobStatus.valueOf("JOB_STATUS_" + status.toUpperCase(Locale.ROOT)));
            }
            if (type != null) {
                request.setType(type);
            }
            try (Login.Session s = login.open()) {
                var jobs = s.user().jobs().list(request.build());
                System.out.printf("%-36s  %-22s  %-10s  %4s  %s%n", "JOB", "TYPE", "STATUS", "%", "STEP");
                for (Job j : jobs.getJobsList()) {
                    System.out.printf("%-36s  %-22s  %-10s  %4d  %s%n", j.getJobId(), j.getType(), status(j.getStatus()),
                            j.getProgress(), j.getStatus() == JobStatus.JOB_STATUS_FAILED ? j.getErrorMessage()
                                    : j.getCurrentStep());
                }
                System.out.printf("%d of %d jobs%n", jobs.getJobsCount(), jobs.getTotal());
            }
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Follow a job to its end with a progress bar; exits 0 when it completed")
    static final class Watch implements Callable<Integer> {
        @Mixin Login login = new Login();
        @Parameters(index = "0", description = "Job id") String jobId;

        @Override
        public Integer call() {
            try (Login.Session s = login.open()) {
                Job last = follow(s.user().jobs().watch(jobId), jobId, System.err);
                System.out.printf("%s %s%s%n", jobId, status(last.getStatus()),
                        last.getErrorMessage().isEmpty() ? "" : ": " + last.getErrorMessage());
                return exitCode(last);
            }
        }
    }

    /** Draws the job's progress (0..100) until a terminal event; returns the last state. */
    static Job follow(Iterator<JobEvent> events, String label, PrintStream to) {
        Job last = null;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(label.length() > 8 ? label.substring(0, 8) : label)
                .setInitialMax(100).setStyle(ProgressBarStyle.ASCII).setConsumer(
                        new me.tongfei.progressbar.ConsoleProgressBarConsumer(to)).setUpdateIntervalMillis(200)
                .continuousUpdate().build()) {
            while (events.hasNext()) {
                last = events.next().getJob();
                bar.stepTo(last.getProgress());
                bar.setExtraMessage(status(last.getStatus()) + " " + last.getCurrentStep());
                if (terminal(last.getStatus())) {
                    break;
                }
            }
        }
        if (last == null) {
            throw new FramegridException(io.grpc.Status.Code.UNAVAILABLE, "WATCH_ENDED", "the watch ended before any event", null);
        }
        return last;
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "A job's log lines")
    static final class Logs implements Callable<Integer> {
        @Mixin Login login = new Login();
        @Parameters(index = "0", description = "Job id") String jobId;
        @Option(names = "--tail", defaultValue = "0", description = "Only the last N lines (0 = all)") int tail;
        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the job ends") boolean follow;

        @Override
        public Integer call() {
            try (Login.Session s = login.open()) {
                Iterator<JobLogLine> lines = s.user().jobs().logs(jobId, tail, follow);
                while (lines.hasNext()) {
                    JobLogLine line = lines.next();
                    System.out.printf("%s %-5s %s%n", Instant.ofEpochSecond(line.getTime().getSeconds(),
                            line.getTime().getNanos()), line.getLevel(), line.getMessage());
                }
            }
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or processing job")
    static final class Cancel implements Callable<Integer> {
        @Mixin Login login = new Login();
        @Parameters(index = "0", description = "Job id") String jobId;

        @Override
        public Integer call() {
            try (Login.Session s = login.open()) {
                Job job = s.user().jobs().cancel(jobId);
                System.out.printf("%s %s%n", job.getJobId(), status(job.getStatus()));
            }
            return 0;
        }
    }
}
