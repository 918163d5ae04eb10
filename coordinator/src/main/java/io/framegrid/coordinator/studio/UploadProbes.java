package io.framegrid.coordinator.studio;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.fabric.jobs.JobEventHub;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.ProbedVideo;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Probes uploads for the studio as {@link StudioContract#PROBE_OWNER}: the job never occupies (or, ending, frees) one
 * of the user's job slots, so an upload is probed at once even while the user's jobs run. The answer is pushed by
 * the grid's job events (subscribe, then read once: nothing is missed); a caller that goes away cancels the probe.
 */
final class UploadProbes {
    private static final String PROBE_TIER = "enterprise";

    private final JobLedger jobs;
    private final JobTypes types;
    private final JobEventHub events;
    private final MediaLibrary media;

    UploadProbes(JobLedger jobs, JobTypes types, JobEventHub events, MediaLibrary media) {
        this.jobs = jobs;
        this.types = types;
        this.events = events;
        this.media = media;
    }

    /** Answers {@code response} with {@code m}'s duration once a gpu-node has probed it (at once when it was). */
    void probe(Media m, StreamObserver<ProbedVideo> response) {
        probe(m, false, response);
    }

    /** As {@link #probe(Media, StreamObserver)}; {@code audio} probes an audio file (its decoded samples' length). */
    void probe(Media m, boolean audio, StreamObserver<ProbedVideo> response) {
        if (m.getProbeMap().containsKey(StudioContract.PROBE_DURATION_MS)
                && Boolean.parseBoolean(m.getProbeMap().getOrDefault(StudioContract.PROBE_AUDIO, "false")) == audio) {
            response.onNext(probed(m));
            response.onCompleted();
            return;
        }
        Map<String, String> meta = Map.of(StudioContract.MEDIA_ID, m.getMediaId(), StudioContract.MEDIA_OWNER, m.getOwnerId(),
                StudioContract.PROBE_AUDIO, Boolean.toString(audio));
        JobState submitted = jobs.submit(StudioContract.PROBE_OWNER, PROBE_TIER, StudioContract.PROBE, m.getFilename(),
                meta, types.plan(StudioContract.PROBE, meta).orElseThrow(), Duration.ZERO);
        String jobId = submitted.getJob().getJobId();
        AtomicBoolean answered = new AtomicBoolean();
        AutoCloseable[] watch = new AutoCloseable[1];
        Runnable stop = () -> {
            try {
                if (watch[0] != null) {
                    watch[0].close();
                }
            } catch (Exception ignored) {
                // Closing a watch only removes a listener.
            }
        };
        java.util.function.Consumer<JobState> onState = state -> {
            if (!JobLedger.isTerminal(state.getJob().getStatus()) || !answered.compareAndSet(false, true)) {
                return;
            }
            stop.run();
            if (state.getJob().getStatus() == JobStatus.JOB_STATUS_COMPLETED) {
                Media probed = media.get(m.getMediaId()).orElse(m);
                response.onNext(probed(probed));
                response.onCompleted();
            } else {
                String error = state.getJob().getErrorMessage().replaceFirst("^Task \\S+ failed: ", "");
                response.onError(Errors.invalid(audio ? "INVALID_AUDIO" : "INVALID_VIDEO", error.isBlank()
                        ? (audio ? "Invalid audio file: not readable audio" : "Invalid video file: not a readable video")
                        : error));
            }
        };
        if (response instanceof ServerCallStreamObserver<ProbedVideo> call) {
            call.setOnCancelHandler(() -> {
                if (answered.compareAndSet(false, true)) {
                    stop.run();
                    try {
                        jobs.cancel(jobId);
                    } catch (RuntimeException ignored) {
                        // It ended meanwhile.
                    }
                }
            });
        }
        watch[0] = events.watchJob(jobId, onState);
        jobs.state(jobId).ifPresent(onState);
    }

    private static ProbedVideo probed(Media m) {
        Map<String, String> p = m.getProbeMap();
        long ms = Long.parseLong(p.getOrDefault(StudioContract.PROBE_DURATION_MS, "0"));
        if (ms <= 0) {
            throw Errors.of(Status.Code.INVALID_ARGUMENT, "INVALID_VIDEO", "Invalid video file: it has no duration");
        }
        return ProbedVideo.newBuilder().setMediaId(m.getMediaId()).setDurationSeconds(ms / 1000.0)
                .setFps(Double.parseDouble(p.getOrDefault(StudioContract.PROBE_FPS, "0")))
                .setFrames(Long.parseLong(p.getOrDefault(StudioContract.PROBE_FRAMES, "0")))
                .setWidth(Integer.parseInt(p.getOrDefault(StudioContract.PROBE_WIDTH, "0")))
                .setHeight(Integer.parseInt(p.getOrDefault(StudioContract.PROBE_HEIGHT, "0"))).build();
    }
}
