package io.framegrid.gpunode.annotation;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.engine.motion.RoadFlow;
import io.framegrid.gpunode.engine.motion.SpeedRegression;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.LocalMediaCopy;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaException;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.Timeline;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.FlowSample;
import io.framegrid.proto.annotation.v1.FlowSamples;
import io.framegrid.proto.annotation.v1.Prediction;
import io.framegrid.proto.annotation.v1.Predictions;
import io.framegrid.proto.annotation.v1.SpeedModel;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.media.v1.Media;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Product A's speed tasks. {@code annotation.flow}: one frame range of one pool video → a {@link FlowSample} per
 * output slot ({@code round(fps / 10)} frames, the mean {@link RoadFlow} measure of the slot's frame pairs, stamped at
 * the slot's middle on the file clock). {@code annotation.predict}: the pinned model over every range's samples,
 * stored for the job's owner. {@code annotation.fit}: labels every sample (the committed annotation within 100 ms on
 * the file clock, else the CSV speed interpolated at the sample's data-clock time, see {@link Timeline}), fits
 * {@link SpeedRegression} and stores the next model version; only for an admin's job.
 */
final class SpeedTasks {
    /** An annotation labels a sample within this much file time. */
    static final long ANNOTATION_WINDOW_MS = 100;
    /** CSV speeds are interpolated only between rows at most this far apart. */
    static final long TELEMETRY_GAP_MS = 1_000;

    private final Ignite ignite;
    private final MediaLibrary media;
    private final MediaDecoder decoder;

    SpeedTasks(Ignite ignite, MediaLibrary media, MediaDecoder decoder) {
        this.ignite = ignite;
        this.media = media;
        this.decoder = decoder;
    }

    TaskCommit flow(TaskContext ctx) throws IOException {
        String[] ranges = ctx.params().getOrDefault(AnnotationContract.RANGES, "").split(";");
        if (ctx.chunk() >= ranges.length || ranges[ctx.chunk()].isEmpty()) {
            throw TaskFailure.permanent("No frame range for chunk " + ctx.chunk(), null);
        }
        String[] range = ranges[ctx.chunk()].split(":");
        String videoId = range[0];
        long from = Long.parseLong(range[1]);
        long to = Long.parseLong(range[2]);
        Optional<Video> video = read(CacheNames.ANNOTATION_VIDEOS, videoId, Video::parseFrom);
        boolean training = !ctx.params().containsKey(AnnotationContract.VIDEO_ID);
        if (training && (video.isEmpty() || media.get(videoId).isEmpty())) {
            // Deleted since the job was planned: training goes on with the other videos.
            return new TaskCommit(FlowSamples.getDefaultInstance().toByteArray(), List.of(), 0,
                    List.of("Video " + videoId + " is gone; skipped"));
        }
        FlowSamples samples = measure(video.orElseThrow(() -> TaskFailure.permanent(
                "Video " + videoId + " is no longer in the pool", null)), from, to, ctx);
        return new TaskCommit(samples.toByteArray(), List.of(), 0, List.of("Measured " + samples.getSamplesCount()
                + " samples of frames " + from + "-" + to + " of " + videoId));
    }

    /** The samples of frames {@code [from, to)} of {@code video} (pool videos are open to every job: shared pool). */
    FlowSamples measure(Video video, long from, long to, TaskContext ctx) throws IOException {
        Media m = media.get(video.getVideoId())
                .orElseThrow(() -> TaskFailure.permanent("Video file " + video.getVideoId() + " not found", null));
        double fps = video.getFps() > 0 ? video.getFps() : 25;
        int step = AnnotationContract.sampleStep(fps);
        FlowSamples.Builder out = FlowSamples.newBuilder();
        try (LocalMediaCopy local = LocalMediaCopy.of(media, m, "framegrid-flow-", ".video")) {
            Path file = local.file();
            try (RoadFlow flow = new RoadFlow()) {
                Mat[] previous = new Mat[1];
                long[] previousIndex = {-1};
                List<RoadFlow.Measure> slot = new ArrayList<>();
                long[] slotStart = {from};
                // One frame past the range: the last slot's last pair ends there.
                decoder.decode(file, FrameSampling.range(from, Math.min(to + 1, video.getFrames())), f -> {
                    if (ctx != null && f.index() % 50 == 0) {
                        ctx.checkCancelled();
                    }
                    Mat prepared = flow.prepare(f.image());
                    long pairStart = previousIndex[0];
                    if (previous[0] != null && pairStart == f.index() - 1 && pairStart < to) {
                        long start = pairStart - Math.floorMod(pairStart, step);
                        if (start != slotStart[0]) {
                            emit(out, video, slotStart[0], step, fps, slot);
                            slotStart[0] = start;
                        }
                        slot.add(flow.measure(previous[0], prepared, 1.0 / fps));
                    }
                    if (previous[0] != null) {
                        previous[0].close();
                    }
                    previous[0] = prepared;
                    previousIndex[0] = f.index();
                    return true;
                });
                emit(out, video, slotStart[0], step, fps, slot);
                if (previous[0] != null) {
                    previous[0].close();
                }
            }
        } catch (MediaException e) {
            throw TaskFailure.permanent("Video " + video.getVideoId() + " does not decode: " + e.getMessage(), e);
        }
        return out.build();
    }

    private static void emit(FlowSamples.Builder out, Video video, long start, int step, double fps,
            List<RoadFlow.Measure> slot) {
        if (slot.isEmpty()) {
            return;
        }
        RoadFlow.Measure mean = RoadFlow.mean(slot);
        FlowSample.Builder s = FlowSample.newBuilder().setVideoId(video.getVideoId())
                .setFileMs(Math.round((start + step / 2.0) * 1000 / fps)).setDownward(mean.downward());
        for (double b : mean.bands()) {
            s.addBands(b);
        }
        out.addSamples(s);
        slot.clear();
    }

    TaskCommit predict(TaskContext ctx) {
        String version = ctx.params().getOrDefault(AnnotationContract.MODEL_VERSION, "");
        SpeedModel model = read(CacheNames.ANNOTATION_MODELS, "v" + version, SpeedModel::parseFrom)
                .orElseThrow(() -> TaskFailure.permanent("Speed model version " + version + " not found", null));
        List<FlowSample> samples = samples(ctx);
        Predictions.Builder out = Predictions.newBuilder().setJobId(ctx.jobId())
                .setVideoId(ctx.params().getOrDefault(AnnotationContract.VIDEO_ID, ""))
                .setOwnerId(ctx.task().getOwnerId()).setModelVersion(model.getVersion())
                .setRateHz(AnnotationContract.SAMPLE_HZ);
        SpeedRegression.Coefficients c = coefficients(model);
        for (FlowSample s : samples) {
            SpeedRegression.Estimate e = SpeedRegression.predict(c, bands(s), s.getDownward());
            out.addPredictions(Prediction.newBuilder().setFileMs(s.getFileMs()).setSpeedMps(e.speed())
                    .setConfidence(e.confidence()));
        }
        ignite.<String, byte[]>cache(CacheNames.ANNOTATION_MODELS)
                .put(AnnotationContract.PREDICTIONS_PREFIX + ctx.jobId(), out.build().toByteArray());
        return new TaskCommit(new byte[0], List.of("predictions:" + ctx.jobId()), 0,
                List.of(out.getPredictionsCount() + " predictions with model v" + model.getVersion()));
    }

    TaskCommit fit(TaskContext ctx) {
        String owner = ctx.task().getOwnerId();
        if (!isAdmin(owner)) {
            throw TaskFailure.permanent("Only an admin may train the speed model", null);
        }
        List<FlowSample> samples = samples(ctx);
        Map<String, Function<FlowSample, Double>> labellers = new HashMap<>();
        List<double[]> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (FlowSample s : samples) {
            Double label = labellers.computeIfAbsent(s.getVideoId(), this::labeller).apply(s);
            if (label != null) {
                x.add(bands(s));
                y.add(label);
            }
        }
        if (x.size() < 2 * (x.isEmpty() ? 1 : x.get(0).length)) {
            throw TaskFailure.permanent("Too few labelled samples to train on (" + x.size() + "): the annotations and "
                    + "CSV speeds do not cover the videos' frames", null);
        }
        double[] labels = y.stream().mapToDouble(Double::doubleValue).toArray();
        SpeedRegression.Coefficients c = SpeedRegression.fit(x, labels);
        double error = 0;
        for (int i = 0; i < x.size(); i++) {
            error += Math.abs(SpeedRegression.predict(c, x.get(i), 1).speed() - labels[i]);
        }
        SpeedModel.Builder model = SpeedModel.newBuilder().setTrainedMs(System.currentTimeMillis())
                .setSamples(x.size()).setVideos((int) samples.stream().map(FlowSample::getVideoId).distinct().count())
                .setTrainMae(error / x.size()).setTrainedBy(owner).setJobId(ctx.jobId());
        for (double w : c.weights()) {
            model.addWeights(w);
        }
        for (int j = 0; j < c.bandSlopes().length; j++) {
            model.addBandSlopes(c.bandSlopes()[j]).addBandOffsets(c.bandOffsets()[j]);
        }
        SpeedModel stored = store(model);
        return new TaskCommit(stored.toByteArray(), List.of("model:" + stored.getVersion()), 0, List.of(String.format(
                java.util.Locale.ROOT, "Model v%d: %d samples of %d videos, train MAE %.3f m/s", stored.getVersion(),
                stored.getSamples(), stored.getVideos(), stored.getTrainMae())));
    }

    /** The next version, written with the pointer to it in one transaction, so versions never repeat. */
    private SpeedModel store(SpeedModel.Builder model) {
        IgniteCache<String, byte[]> models = ignite.cache(CacheNames.ANNOTATION_MODELS);
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ)) {
            byte[] latest = models.get(AnnotationContract.LATEST_MODEL);
            int version = latest == null ? 1 : Integer.parseInt(new String(latest, StandardCharsets.UTF_8)) + 1;
            SpeedModel stored = model.setVersion(version).build();
            models.put("v" + version, stored.toByteArray());
            models.put(AnnotationContract.LATEST_MODEL, Integer.toString(version).getBytes(StandardCharsets.UTF_8));
            tx.commit();
            return stored;
        }
    }

    /** How samples of {@code videoId} get their speed: committed annotations first, else the CSV's speeds. */
    private Function<FlowSample, Double> labeller(String videoId) {
        Optional<Video> video = read(CacheNames.ANNOTATION_VIDEOS, videoId, Video::parseFrom);
        Optional<CommitResponse> committed = video.filter(Video::getAnnotated)
                .flatMap(v -> read(CacheNames.ANNOTATIONS, videoId, CommitResponse::parseFrom));
        List<Annotation> annotations = committed.map(CommitResponse::getAnnotationsList).orElse(List.of()).stream()
                .sorted(java.util.Comparator.comparingLong(Annotation::getTimestampMs)).toList();
        List<TelemetryPoint> speeds = read(CacheNames.ANNOTATION_TELEMETRY, videoId, Telemetry::parseFrom)
                .map(Telemetry::getPointsList).orElse(List.of()).stream().filter(TelemetryPoint::getHasSpeed)
                .sorted(java.util.Comparator.comparingLong(TelemetryPoint::getTimestampMs)).toList();
        Sync sync = read(CacheNames.ANNOTATION_SYNC, videoId, Sync::parseFrom).orElse(Sync.getDefaultInstance())
                .toBuilder().setDurationMs(video.map(Video::getDurationMs).orElse(0L)).build();
        Timeline timeline = new Timeline(sync);
        return s -> {
            Annotation nearest = nearest(annotations, s.getFileMs());
            if (nearest != null) {
                return nearest.getSpeedMps();
            }
            return interpolate(speeds, timeline.dataTime(s.getFileMs()));
        };
    }

    private static Annotation nearest(List<Annotation> sorted, long fileMs) {
        Annotation best = null;
        for (Annotation a : sorted) {
            long d = Math.abs(a.getTimestampMs() - fileMs);
            if (d <= ANNOTATION_WINDOW_MS && (best == null || d < Math.abs(best.getTimestampMs() - fileMs))) {
                best = a;
            }
        }
        return best;
    }

    private static Double interpolate(List<TelemetryPoint> sorted, long at) {
        for (int i = 0; i + 1 < sorted.size(); i++) {
            TelemetryPoint a = sorted.get(i);
            TelemetryPoint b = sorted.get(i + 1);
            if (a.getTimestampMs() <= at && at <= b.getTimestampMs()) {
                long gap = b.getTimestampMs() - a.getTimestampMs();
                if (gap > TELEMETRY_GAP_MS) {
                    return null;
                }
                double f = gap == 0 ? 0 : (double) (at - a.getTimestampMs()) / gap;
                return a.getSpeedMps() + f * (b.getSpeedMps() - a.getSpeedMps());
            }
        }
        return null;
    }

    private boolean isAdmin(String userId) {
        Object user = ignite.cache(CacheNames.USERS).withKeepBinary().get(userId);
        return user instanceof BinaryObject b && "admin".equals(b.field("role"));
    }

    private static List<FlowSample> samples(TaskContext ctx) {
        List<FlowSample> all = new ArrayList<>();
        for (int chunk = 0; ; chunk++) {
            Optional<TaskOutput> out = ctx.output(0, chunk);
            if (out.isEmpty()) {
                return all;
            }
            try {
                all.addAll(FlowSamples.parseFrom(out.get().getData()).getSamplesList());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("Corrupt flow output " + chunk + " of " + ctx.jobId(), e);
            }
        }
    }

    static SpeedRegression.Coefficients coefficients(SpeedModel m) {
        return new SpeedRegression.Coefficients(m.getWeightsList().stream().mapToDouble(Double::doubleValue).toArray(),
                m.getBandSlopesList().stream().mapToDouble(Double::doubleValue).toArray(),
                m.getBandOffsetsList().stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double[] bands(FlowSample s) {
        return s.getBandsList().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private interface Parser<T extends MessageLite> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private <T extends MessageLite> Optional<T> read(String cache, String key, Parser<T> parser) {
        byte[] bytes = ignite.<String, byte[]>cache(cache).get(key);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.parse(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt record " + key + " in " + cache, e);
        }
    }
}
