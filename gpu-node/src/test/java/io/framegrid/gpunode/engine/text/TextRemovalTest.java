package io.framegrid.gpunode.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextRemovalTest {

    private static InferenceEngine engine;
    private static TextRemoval removal;

    @BeforeAll
    static void setUp() {
        engine = TextEngines.engine();
        removal = new TextRemoval(engine, new CpuFrameKernels(), TextRemoval.Settings.defaults());
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    /** Two subtitles over a still camera (vtest, 480×360): "…" on frames 10–29 and 36–55, none elsewhere. */
    private record Subtitled(List<Mat> clean, List<DecodedFrame> frames, List<Mat> changed, List<TextBox> text) {
    }

    private static Subtitled subtitled() {
        List<Mat> clean = TextFixtures.still(0, 60, 480, 360);
        List<DecodedFrame> frames = new ArrayList<>();
        List<Mat> changed = new ArrayList<>();
        List<TextBox> text = new ArrayList<>();
        for (int i = 0; i < clean.size(); i++) {
            Mat f = clean.get(i);
            Mat c = TextFixtures.emptyMask(480, 360);
            TextBox box = null;
            if (i >= 10 && i <= 29) {
                TextFixtures.Burned b = TextFixtures.burn(f, "Where are they going?", 95, 330, 0.9);
                f = b.frame();
                c = b.changed();
                box = b.box();
            } else if (i >= 36 && i <= 55) {
                TextFixtures.Burned b = TextFixtures.burn(f, "Nobody knows, sir", 120, 330, 0.9);
                f = b.frame();
                c = b.changed();
                box = b.box();
            }
            text.add(box);
            frames.add(new DecodedFrame(i, i * 100_000L, f));
            changed.add(c);
        }
        return new Subtitled(clean, frames, changed, text);
    }

    private static Subtitled clip;

    @BeforeAll
    static void clip() {
        clip = subtitled();
    }

    @Test
    void subtitlesOverAStillCameraAreErasedFromTheFramesBetweenThemAndBeatTeleaByTwoDb() {
        TextRemoval.Result result = removal.clean(clip.frames(), 0, 59, List.of());

        assertThat(result.frames()).hasSize(60);
        // Before the first subtitle its line is not touched (samples 0 and 5 see no subtitle).
        Rect line = new Rect(60, 290, 360, 60);
        for (int i = 0; i < 5; i++) {
            assertThat(meanDiff(new Mat(result.frames().get(i).image(), line), new Mat(clip.clean().get(i), line)))
                    .isZero();
        }
        List<Mat> ours = new ArrayList<>();
        List<Mat> telea = new ArrayList<>();
        List<Mat> truth = new ArrayList<>();
        List<Mat> masks = new ArrayList<>();
        double coverage = 1;
        for (int i = 0; i < 60; i++) {
            List<TextBox> boxes = removal.settings().masks().dilate(result.tracks().boxesAt(i), 480, 360);
            Mat mask = TextFixtures.mask(boxes, 480, 360);
            coverage = Math.min(coverage, TextFixtures.coverage(clip.changed().get(i), mask));
            if (clip.text().get(i) != null) {
                // Scored inside the text region: the masks where they cover the burned text's (dilated) box. vtest
                // also gets boxes on its real signage and, now and then, on a person; both methods fill those alike.
                Mat region = new Mat();
                org.bytedeco.opencv.global.opencv_core.bitwise_and(mask,
                        TextFixtures.mask(TextMasks.defaults().dilate(List.of(clip.text().get(i)), 480, 360), 480, 360),
                        region);
                ours.add(result.frames().get(i).image());
                telea.add(TextFixtures.telea(clip.frames().get(i).image(), mask));
                truth.add(clip.clean().get(i));
                masks.add(region);
            }
        }
        double psnr = TextFixtures.psnr(ours, truth, masks);
        double teleaPsnr = TextFixtures.psnr(telea, truth, masks);
        System.out.printf("subtitles: %.2f dB vs Telea %.2f dB, %d frames masked, temporal %.1f %%, coverage %.3f%n",
                psnr, teleaPsnr, masks.size(), 100.0 * result.temporalPixels() / result.maskedPixels(), coverage);
        assertThat(coverage).isGreaterThanOrEqualTo(0.98);
        assertThat(psnr).isGreaterThanOrEqualTo(teleaPsnr + 2);
    }

    @Test
    void aRangeEmitsOnlyItsOwnFramesAndUsesTheRestAsContext() {
        TextRemoval.Result middle = removal.clean(clip.frames(), 20, 39, List.of());
        assertThat(middle.frames()).extracting(DecodedFrame::index)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(20, 39).boxed().toList());
        assertThat(middle.temporalPixels()).isPositive();
    }

    @Test
    void userAreasAloneAreErasedWhenDetectionIsOff(@TempDir Path dir) {
        TextRemoval manual = new TextRemoval(engine, new CpuFrameKernels(),
                TextRemoval.Settings.defaults().withAutoDetect(false));
        UserArea area = new UserArea(12, 14, new TextBox(20, 20, 60, 30), UserArea.Kind.ERASE);
        TextRemoval.Result result = manual.clean(clip.frames(), 0, 59, List.of(area));
        assertThat(result.tracks().tracks()).singleElement().matches(TextTrack::userArea);
        assertThat(result.frames().get(11).image()).isSameAs(clip.frames().get(11).image());
        assertThat(result.frames().get(12).image()).isNotSameAs(clip.frames().get(12).image());
        assertThat(result.maskedPixels()).isEqualTo(3L * (60 + 12) * (30 + 12)); // dilated 6 px (a fifth of 30)
    }

    @Test
    void aWholeVideoIsReencodedToH264WithItsAudioSizeFpsAndFrameCount(@TempDir Path dir) {
        Path source = dir.resolve("source.mp4");
        List<Mat> frames = clip.frames().stream().limit(48).map(DecodedFrame::image).toList();
        MediaInfo in = new MediaEncoder().encode(source, VideoEncodeSettings.mp4(), 10, frames,
                List.of(SharedFiles.media("speech.wav")));

        MediaDecoder decoder = new MediaDecoder();
        MediaInfo out = new TextVideo(removal, decoder, 24).render(source, dir.resolve("clean.mp4"), List.of());

        assertThat(out.videoCodec()).isEqualTo("h264");
        assertThat(out.hasAudio()).isTrue();
        assertThat(out.width()).isEqualTo(in.width());
        assertThat(out.height()).isEqualTo(in.height());
        assertThat(out.fps()).isEqualTo(in.fps());
        assertThat(decoder.decodeToList(dir.resolve("clean.mp4"), FrameSampling.all())).hasSize(48);
        assertThat(out.durationSeconds()).isCloseTo(in.durationSeconds(), org.assertj.core.data.Offset.offset(0.1));
        // The subtitle is gone: frame 20 of the result is closer to the clean frame than the source is.
        Mat cleaned = decoder.decodeToList(dir.resolve("clean.mp4"), FrameSampling.range(20, 21)).get(0).image();
        Mat original = decoder.decodeToList(source, FrameSampling.range(20, 21)).get(0).image();
        Rect line = new Rect(90, 300, 300, 40);
        assertThat(meanDiff(new Mat(cleaned, line), new Mat(clip.clean().get(20), line)))
                .isLessThan(meanDiff(new Mat(original, line), new Mat(clip.clean().get(20), line)) / 2);
    }

    private static double meanDiff(Mat a, Mat b) {
        Mat d = new Mat();
        org.bytedeco.opencv.global.opencv_core.absdiff(a, b, d);
        org.bytedeco.opencv.opencv_core.Scalar m = org.bytedeco.opencv.global.opencv_core.mean(d);
        return (m.get(0) + m.get(1) + m.get(2)) / 3;
    }
}
