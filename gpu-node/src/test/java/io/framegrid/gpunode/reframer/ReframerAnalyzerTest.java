package io.framegrid.gpunode.reframer;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.engine.segmentation.ObjectMasker;
import io.framegrid.gpunode.engine.segmentation.RleRuns;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.OpenCvFrameKernels;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.proto.reframer.v1.FrameDetections;
import io.framegrid.proto.reframer.v1.ReframerResults;
import io.framegrid.proto.reframer.v1.Scene;
import io.framegrid.proto.reframer.v1.Track;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reframer analysis on real media: YOLOX people on vtest, cuts of a video joined from three clips, the render. */
class ReframerAnalyzerTest {
    private static InferenceEngine engine;
    private ReframerAnalyzer analyzer;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        engine = new InferenceEngine(registry, new DetectorFactory(registry, new OpenCvFrameKernels()),
                new BatchSettings(1, Duration.ofMillis(1), 64), new BatchingMetrics(new PrometheusRegistry()));
    }

    @org.junit.jupiter.api.BeforeEach
    void analyzer() {
        // Masks as a gpu-node makes them: the person model where it measured better, GrabCut elsewhere.
        analyzer = new ReframerAnalyzer(new MediaDecoder(), new OpenCvFrameKernels(), SceneDescriber.TEMPLATE,
                ObjectMasker.forEngine(engine));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static ReframerAnalyzer.FrameDetector yolox() {
        return frame -> engine.detect("yolox-nano", frame, 0.2f, Set.of()).join().detections();
    }

    @Test
    void vtestPeopleAreDetectedTrackedWithStableIdsAndMasked() {
        Path video = SharedFiles.media("vtest.avi");
        ReframerOptions options = ReframerOptions.from(Map.of("max_frames", "150", "sample_every", "5"));
        ReframerAnalyzer.Analysis a = analyzer.analyze(video, "job-1", options, yolox(), (p, s) -> { }, () -> false);
        ReframerResults r = a.results();
        assertThat(r.getMetadata().getWidth()).isEqualTo(768);
        assertThat(r.getMetadata().getHeight()).isEqualTo(576);
        assertThat(r.getMetadata().getCodec()).isEqualTo("msmpeg4");
        assertThat(r.getDetectionsList()).allMatch(f -> f.getFrame() % 5 == 0 && f.getFrame() < 150);
        assertThat(r.getDetectionsList()).extracting(FrameDetections::getFrame).isSorted();
        assertThat(r.getDetectionsList().stream().flatMap(f -> f.getDetectionsList().stream())
                .filter(d -> d.getClassName().equals("person"))).hasSizeGreaterThan(30);
        // Stable ids: several people are followed over most of the 30 sampled frames under one id each.
        long longTracks = r.getTrackingList().stream().filter(t -> t.getClassName().equals("person")
                && t.getFramesCount() >= 15).count();
        assertThat(longTracks).isGreaterThanOrEqualTo(2);
        Set<String> trackIds = r.getTrackingList().stream().map(Track::getTrackId).collect(Collectors.toSet());
        assertThat(trackIds).allMatch(id -> id.matches("obj_\\d{3}"));
        assertThat(r.getSegmentationMasksList()).isNotEmpty();
        r.getSegmentationMasksList().stream().flatMap(f -> f.getMasksList().stream()).limit(40).forEach(m -> {
            boolean[] decoded = RleRuns.decode(m.getMaskRle());
            assertThat(decoded).hasSize(768 * 576);
            long area = 0;
            for (boolean b : decoded) {
                area += b ? 1 : 0;
            }
            assertThat(area).isEqualTo(m.getMaskAreaPixels()).isPositive();
            assertThat(trackIds).contains(m.getTrackId());
        });
        assertThat(r.getScenesList()).hasSize(1);
    }

    /**
     * A container that declares more frames than it holds (cut short, like OpenCV's tree.avi): the probe counts
     * what decodes, and the analysis covers exactly those frames instead of failing as truncated.
     */
    @Test
    void aVideoDeclaringMoreFramesThanDecodeIsAnalysedAsFarAsItDecodes() throws Exception {
        Path cut = TruncatedVideos.cutAvi(dir, 80, 0.3);
        MediaInfo declared = new MediaDecoder().probe(cut);
        assertThat(declared.frameCountDeclared()).isTrue();
        assertThat(declared.frameCount()).isEqualTo(80);
        VideoProbe probe = new VideoProbe(new MediaDecoder());
        MediaInfo real = probe.decodable(cut, declared);
        assertThat(real.frameCount()).isBetween(5L, 40L);
        assertThat(real.durationSeconds()).isCloseTo(real.frameCount() / declared.fps(),
                org.assertj.core.data.Offset.offset(0.01));
        // A whole file keeps its declared count (one seek to its last frame says so).
        MediaInfo vtest = new MediaDecoder().probe(SharedFiles.media("vtest.avi"));
        assertThat(probe.decodable(SharedFiles.media("vtest.avi"), vtest)).isEqualTo(vtest);
        List<String> log = new ArrayList<>();
        assertThat(probe.check(cut, log::add)).isEqualTo(real);
        assertThat(log).singleElement().asString().contains("declares 80 frames");

        ReframerAnalyzer.Analysis a = analyzer.analyze(cut, real, "job-cut",
                ReframerOptions.from(Map.of("sample_every", "5")), f -> List.of(), (p, s) -> { }, () -> false);
        assertThat(a.results().getMetadata().getTotalFrames()).isEqualTo(real.frameCount());
        assertThat(a.results().getScenesList().get(a.results().getScenesCount() - 1).getEndFrame())
                .isEqualTo(real.frameCount() - 1);
        assertThat(a.cropX()).hasSize((int) real.frameCount());
    }

    @Test
    void aMediaErrorIsAPermanentFailureInPlainWordsWithTheDetailsAsItsCause() {
        io.framegrid.gpunode.tasks.TaskExecutor failing = ReframerTasks.plainFailures(ctx -> {
            throw new io.framegrid.gpunode.media.MediaException("/tmp/framegrid-video-1.avi is truncated or corrupt");
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.execute(null))
                .isInstanceOfSatisfying(io.framegrid.gpunode.tasks.TaskFailure.class, f -> {
                    assertThat(f.retryable()).isFalse();
                    assertThat(f.toString()).isEqualTo(ReframerTasks.UNDECODABLE).doesNotContain("/tmp", "Exception");
                    assertThat(f.getCause()).hasMessageContaining("truncated");
                });
        io.framegrid.gpunode.tasks.TaskExecutor broken = ReframerTasks.plainFailures(ctx -> {
            throw new IllegalStateException("output of stage 0 chunk 1 of job j is missing");
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.execute(null))
                .isInstanceOfSatisfying(io.framegrid.gpunode.tasks.TaskFailure.class, f -> {
                    assertThat(f.retryable()).isTrue();
                    assertThat(f.toString()).doesNotContain("Exception");
                });
    }

    @Test
    void rangesScannedApartAndPassedAsTaskOutputsGiveTheResultsOfOnePass() throws Exception {
        Path video = SharedFiles.media("vtest.avi");
        ReframerOptions options = ReframerOptions.from(Map.of("max_frames", "120", "sample_every", "5"));
        ReframerAnalyzer.Analysis whole = analyzer.analyze(video, "job-3", options, yolox(), (p, s) -> { }, () -> false);

        // As the cluster runs it: three ranges (out of order), each part through its serialised task output.
        List<AnalysisParts.RangeScan> scans = new ArrayList<>();
        for (long[] r : List.of(new long[] {80, 120}, new long[] {0, 40}, new long[] {40, 80})) {
            scans.add(roundTrip(analyzer.scan(video, r[0], r[1], options, yolox(), (p, s) -> { }, () -> false),
                    AnalysisParts.RangeScan.class));
        }
        MediaInfo info = new MediaDecoder().probe(video);
        AnalysisParts.Tracks tracks = roundTrip(analyzer.track(scans, options, info.fps()), AnalysisParts.Tracks.class);
        List<AnalysisParts.RangeMasks> masks = new ArrayList<>();
        for (AnalysisParts.RangeScan scan : scans) {
            masks.add(roundTrip(analyzer.segment(video, scan.from(), scan.to(), tracks, options, () -> false),
                    AnalysisParts.RangeMasks.class));
        }
        ReframerAnalyzer.Analysis ranged = analyzer.assemble("job-3", info, scans, tracks, masks, options);

        assertThat(ranged.results()).isEqualTo(whole.results());
        assertThat(ranged.cropX()).isEqualTo(whole.cropX());
        assertThat(ranged.results().getTrackingList()).isNotEmpty();
    }

    @Test
    void aMissingRangeFailsTheAssemblyInsteadOfShiftingFrames() {
        Path video = SharedFiles.media("vtest.avi");
        ReframerOptions options = ReframerOptions.from(Map.of("sample_every", "5", "masks", "false"));
        AnalysisParts.RangeScan first = analyzer.scan(video, 0, 20, options, f -> List.of(), (p, s) -> { }, () -> false);
        AnalysisParts.RangeScan third = analyzer.scan(video, 40, 60, options, f -> List.of(), (p, s) -> { }, () -> false);
        AnalysisParts.Tracks tracks = analyzer.track(List.of(first, third), options, 10);
        MediaInfo info = new MediaDecoder().probe(video);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> analyzer.assemble("job-4", info,
                List.of(first, third), tracks, List.of(), options)).hasMessageContaining("expected frame 20");
    }

    private static <T> T roundTrip(T part, Class<T> type) {
        return AnalysisParts.read(AnalysisParts.write(part), type);
    }

    @Test
    void joinedClipsSplitAtTheJoinsAndTheRenderKeepsAspectDurationAndAudio() throws Exception {
        Path joined = dir.resolve("joined.mp4");
        List<Mat> frames = new ArrayList<>();
        for (String clip : List.of("vtest.avi", "speedway.mj2", "counter-text.mp4")) {
            new MediaDecoder().decode(SharedFiles.media(clip), FrameSampling.range(0, 40), f -> {
                Mat resized = new Mat();
                opencv_imgproc.resize(f.image(), resized, new Size(480, 270));
                frames.add(resized);
                return true;
            });
        }
        assertThat(frames).hasSize(120);
        new MediaEncoder().encode(joined, VideoEncodeSettings.mp4(), 25, frames,
                List.of(SharedFiles.media("speech.wav")));
        ReframerAnalyzer.Analysis a = analyzer.analyze(joined, "job-2",
                ReframerOptions.from(Map.of("sample_every", "5", "aspect", "9:16")), yolox(), (p, s) -> { }, () -> false);
        List<Scene> scenes = a.results().getScenesList();
        assertThat(scenes).hasSize(3);
        assertThat(scenes.get(1).getStartFrame()).isBetween(39L, 41L);
        assertThat(scenes.get(2).getStartFrame()).isBetween(79L, 81L);
        assertThat(scenes).allSatisfy(s -> assertThat(s.getImportance()).isBetween(1, 10));

        Path out = dir.resolve("reframed.mp4");
        MediaInfo source = new MediaDecoder().probe(joined);
        MediaInfo rendered = analyzer.render(joined, a, out);
        assertThat((double) rendered.width() / rendered.height()).isCloseTo(9.0 / 16, org.assertj.core.data.Offset.offset(0.02));
        assertThat(rendered.height()).isEqualTo(270);
        assertThat(rendered.hasAudio()).isTrue();
        assertThat(rendered.durationSeconds()).isCloseTo(source.durationSeconds(), org.assertj.core.data.Offset.offset(0.15));
        assertThat(Files.size(out)).isPositive();
    }
}
