package io.framegrid.coordinator.annotation;

import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.v1.Telemetry;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.cluster.v1.StagePlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;

/**
 * Product A's compute jobs, planned from the pool in the grid. {@code annotation.infer} (metadata {@code video_id}):
 * flow measures of the video's frame ranges in parallel ({@value AnnotationContract#RANGE_FRAMES} frames a task, so
 * a killed gpu-node's ranges are leased again elsewhere), then one task that applies the newest model, pinned here.
 * {@code annotation.train}: flow of every video with committed annotations or uploaded CSV speeds, then one task
 * that fits and stores the next model version (videos committed with no annotation rows carry no labels and are left out). Both refuse to plan (FAILED_PRECONDITION) when there is nothing to
 * work with, so a caller learns it at submit time.
 */
final class AnnotationJobs {
    static final Duration MAX_DURATION = Duration.ofMinutes(30);

    private AnnotationJobs() {
    }

    static void register(JobTypes types, Ignite ignite) {
        types.register(AnnotationContract.INFER, meta -> infer(ignite, meta), MAX_DURATION);
        types.register(AnnotationContract.TRAIN, meta -> train(ignite, meta), MAX_DURATION);
    }

    static List<StagePlan> infer(Ignite ignite, Map<String, String> meta) {
        String videoId = meta.getOrDefault(AnnotationContract.VIDEO_ID, "");
        Video v = video(ignite, videoId);
        if (v == null) {
            throw FabricException.notFound("VIDEO_NOT_FOUND", "Video not found");
        }
        Object latest = ignite.cache(CacheNames.ANNOTATION_MODELS).get(AnnotationContract.LATEST_MODEL);
        if (latest == null) {
            throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "NO_MODEL",
                    "No speed model is trained yet: an admin trains one with POST /api/inference/train");
        }
        List<String> ranges = new ArrayList<>();
        addRanges(ranges, v);
        return List.of(flowStage(ranges, meta),
                JobTypes.stage("Estimating speed", AnnotationContract.PREDICT, 1, meta).toBuilder()
                        .putParams(AnnotationContract.MODEL_VERSION, new String((byte[]) latest,
                                java.nio.charset.StandardCharsets.UTF_8)).build());
    }

    static List<StagePlan> train(Ignite ignite, Map<String, String> meta) {
        List<String> ranges = new ArrayList<>();
        for (javax.cache.Cache.Entry<String, byte[]> e : ignite.<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS)
                .query(new org.apache.ignite.cache.query.ScanQuery<String, byte[]>()).getAll()) {
            Video v = parse(e.getValue());
            if (v.getFrames() > 1 && (v.getAnnotated() && hasAnnotations(ignite, v.getVideoId())
                    || hasSpeeds(ignite, v.getVideoId()))) {
                addRanges(ranges, v);
            }
        }
        if (ranges.isEmpty()) {
            throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION, "NO_TRAINING_DATA",
                    "Nothing to train on: commit annotations or upload CSV speeds for at least one video");
        }
        return List.of(flowStage(ranges, meta), JobTypes.stage("Fitting the speed model", AnnotationContract.FIT, 1, meta));
    }

    private static StagePlan flowStage(List<String> ranges, Map<String, String> meta) {
        return JobTypes.stage("Measuring road flow", AnnotationContract.FLOW, ranges.size(), meta).toBuilder()
                .putParams(AnnotationContract.RANGES, String.join(";", ranges)).build();
    }

    /** Ranges of whole output slots, so no sample is split between two tasks. */
    private static void addRanges(List<String> ranges, Video v) {
        int step = AnnotationContract.sampleStep(v.getFps());
        long per = Math.max(step, AnnotationContract.RANGE_FRAMES / step * step);
        for (long from = 0; from < v.getFrames(); from += per) {
            ranges.add(v.getVideoId() + ":" + from + ":" + Math.min(v.getFrames(), from + per));
        }
    }

    private static boolean hasAnnotations(Ignite ignite, String videoId) {
        byte[] bytes = ignite.<String, byte[]>cache(CacheNames.ANNOTATIONS).get(videoId);
        try {
            return bytes != null && io.framegrid.proto.annotation.v1.CommitResponse.parseFrom(bytes).getAnnotationsCount() > 0;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static boolean hasSpeeds(Ignite ignite, String videoId) {
        byte[] bytes = ignite.<String, byte[]>cache(CacheNames.ANNOTATION_TELEMETRY).get(videoId);
        if (bytes == null) {
            return false;
        }
        try {
            return Telemetry.parseFrom(bytes).getPointsList().stream().anyMatch(TelemetryPoint::getHasSpeed);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static Video video(Ignite ignite, String videoId) {
        byte[] bytes = videoId.isEmpty() ? null : ignite.<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS).get(videoId);
        return bytes == null ? null : parse(bytes);
    }

    private static Video parse(byte[] bytes) {
        try {
            return Video.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt annotation video record", e);
        }
    }
}
