package io.framegrid.gpunode.reframer;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.BatchSettings;
import io.framegrid.gpunode.inference.BatchingMetrics;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.models.ModelRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        engine = new InferenceEngine(registry, new DetectorFactory(registry, new CpuFrameKernels()),
                new BatchSettings(1, Duration.ofMillis(1), 64), new BatchingMetrics(new PrometheusRegistry()));
    }

    @org.junit.jupiter.api.BeforeEach
    void analyzer() {
        // Masks as a gpu-node makes them: the person model where it measured better, GrabCut elsewhere.
        analyzer = new ReframerAnalyzer(new MediaDecoder(), new CpuFrameKernels(), SceneDescriber.TEMPLATE,
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
    void rleRoundTripsAndStartsWithZeros() {
        byte[] mask = {1, 1, 0, 0, 0, 1, 0, 0};
        Rle.Encoded e = Rle.encode(ByteBuffer.wrap(mask), 4, 2);
        assertThat(e.counts()).isEqualTo("0,2,3,1,2");
        assertThat(e.area()).isEqualTo(3);
        boolean[] decoded = Rle.decode(e.counts());
        for (int i = 0; i < mask.length; i++) {
            assertThat(decoded[i]).isEqualTo(mask[i] == 1);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void vtestPeopleAreDetectedTrackedWithStableIdsAndMasked() {
        Path video = SharedFiles.media("vtest.avi");
        ReframerOptions options = ReframerOptions.from(Map.of("max_frames", "150", "sample_every", "5"));
        ReframerAnalyzer.Analysis a = analyzer.analyze(video, "job-1", options, yolox(), (p, s) -> { }, () -> false);
        Map<String, Object> r = a.results();
        Map<String, Object> meta = (Map<String, Object>) r.get("metadata");
        assertThat(meta).containsEntry("width", 768).containsEntry("height", 576).containsEntry("codec", "msmpeg4");
        Map<String, List<Map<String, Object>>> detections = (Map<String, List<Map<String, Object>>>) r.get("detections");
        assertThat(detections.keySet()).allMatch(k -> Integer.parseInt(k) % 5 == 0 && Integer.parseInt(k) < 150);
        assertThat(detections.values().stream().flatMap(List::stream).filter(d -> d.get("class").equals("person")))
                .hasSizeGreaterThan(30);
        Map<String, Map<String, Object>> tracking = (Map<String, Map<String, Object>>) r.get("tracking");
        // Stable ids: several people are followed over most of the 30 sampled frames under one id each.
        long longTracks = tracking.values().stream().filter(t -> t.get("class").equals("person")
                && ((List<?>) t.get("frames")).size() >= 15).count();
        assertThat(longTracks).isGreaterThanOrEqualTo(2);
        assertThat(tracking.keySet()).allMatch(id -> id.matches("obj_\\d{3}"));
        Map<String, List<Map<String, Object>>> masks = (Map<String, List<Map<String, Object>>>) r.get("segmentation_masks");
        assertThat(masks).isNotEmpty();
        masks.values().stream().flatMap(List::stream).limit(40).forEach(m -> {
            boolean[] decoded = Rle.decode((String) m.get("mask_rle"));
            assertThat(decoded).hasSize(768 * 576);
            long area = 0;
            for (boolean b : decoded) {
                area += b ? 1 : 0;
            }
            assertThat(area).isEqualTo(((Number) m.get("mask_area_pixels")).longValue()).isPositive();
            assertThat(tracking).containsKey((String) m.get("track_id"));
        });
        assertThat((List<?>) r.get("scenes")).hasSize(1);
        System.out.printf("vtest: %d tracks, %d long%n", tracking.size(), longTracks);
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

        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.writeValueAsString(ranged.results())).isEqualTo(json.writeValueAsString(whole.results()));
        assertThat(ranged.cropX()).isEqualTo(whole.cropX());
        assertThat(((Map<?, ?>) ranged.results().get("tracking"))).isNotEmpty();
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
    @SuppressWarnings("unchecked")
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
        List<Map<String, Object>> scenes = (List<Map<String, Object>>) a.results().get("scenes");
        assertThat(scenes).hasSize(3);
        assertThat(((Number) scenes.get(1).get("start_frame")).intValue()).isBetween(39, 41);
        assertThat(((Number) scenes.get(2).get("start_frame")).intValue()).isBetween(79, 81);
        assertThat(scenes).allSatisfy(s -> assertThat(((Number) s.get("importance")).intValue()).isBetween(1, 10));

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
