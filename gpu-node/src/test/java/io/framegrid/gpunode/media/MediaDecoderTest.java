package io.framegrid.gpunode.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.extractChannel;

import io.framegrid.config.local.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaDecoderTest {

    private final MediaDecoder decoder = new MediaDecoder();

    @Test
    void probesContainerCodecsAndGeometry() {
        MediaInfo avi = decoder.probe(SharedFiles.media("vtest.avi"));
        assertThat(avi.container()).isEqualTo("avi");
        assertThat(avi.videoCodec()).startsWith("msmpeg4"); // FFmpeg's decoder name for MS-MPEG4 v3
        assertThat(avi.width()).isEqualTo(768);
        assertThat(avi.height()).isEqualTo(576);
        assertThat(avi.fps()).isEqualTo(10.0);
        assertThat(avi.durationSeconds()).isCloseTo(79.5, org.assertj.core.data.Offset.offset(0.1));
        assertThat(avi.audioTracks()).isZero();

        MediaInfo mj2 = decoder.probe(SharedFiles.media("speedway.mj2"));
        assertThat(mj2.videoCodec()).isEqualTo("jpeg2000");
        assertThat(mj2.width()).isEqualTo(352);

        MediaInfo wav = decoder.probe(SharedFiles.media("speech.wav"));
        assertThat(wav.hasVideo()).isFalse();
        assertThat(wav.audioTracks()).isEqualTo(1);
        assertThat(wav.audioSampleRate()).isEqualTo(22050);
    }

    @ParameterizedTest
    @CsvSource({"vtest.avi,795,768,576", "speedway.mj2,200,352,288", "counter-text.mp4,1250,320,180"})
    @Timeout(60)
    void decodesEveryFrameOfSharedMedia(String file, long frames, int width, int height) {
        AtomicLong seen = new AtomicLong();
        long delivered = decoder.decode(SharedFiles.media(file), FrameSampling.all(), f -> {
            assertThat(f.index()).isEqualTo(seen.getAndIncrement());
            assertThat(f.image().cols()).isEqualTo(width);
            assertThat(f.image().rows()).isEqualTo(height);
            return true;
        });
        assertThat(delivered).isEqualTo(frames);
    }

    /**
     * Decoding and colour conversion run on two threads (PipelinedDecode): every frame must still be exactly what
     * JavaCV's own single-threaded BGR grabber yields, with the same timestamp, for each pixel format of the media.
     */
    @ParameterizedTest
    @CsvSource({"vtest.avi", "speedway.mj2", "counter-text.mp4"})
    @Timeout(120)
    void framesAndTimestampsMatchJavaCvsOwnBgrConversion(String file) throws Exception {
        Path video = SharedFiles.media(file);
        try (org.bytedeco.javacv.FFmpegFrameGrabber reference = MediaDecoder.open(video);
                org.bytedeco.javacv.OpenCVFrameConverter.ToMat converter =
                        new org.bytedeco.javacv.OpenCVFrameConverter.ToMat()) {
            AtomicLong compared = new AtomicLong();
            long delivered = decoder.decode(video, FrameSampling.all(), mine -> {
                try {
                    org.bytedeco.javacv.Frame frame = reference.grabImage();
                    assertThat(frame).isNotNull();
                    assertThat(mine.index()).isEqualTo(compared.getAndIncrement());
                    assertThat(mine.timestampMicros()).isEqualTo(frame.timestamp);
                    assertThat(differingPixels(converter.convert(frame), mine.image())).isZero();
                    return true;
                } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(compared.get()).isEqualTo(delivered);
            assertThat(reference.grabImage()).isNull();
        }
    }

    @Test
    @Timeout(60)
    void aConsumerStoppingEarlyStopsTheDecodeAndTheNextDecodeWorks() {
        Path video = SharedFiles.media("vtest.avi");
        AtomicLong seen = new AtomicLong();
        long delivered = decoder.decode(video, FrameSampling.all(), f -> seen.incrementAndGet() < 10);
        assertThat(delivered).isEqualTo(10);
        assertThat(seen.get()).isEqualTo(10);
        // A range stopped at once, then a full stepped pass on the same decoder.
        assertThat(decoder.decode(video, FrameSampling.range(100, 200), f -> false)).isEqualTo(1);
        List<DecodedFrame> stepped = decoder.decodeToList(video, FrameSampling.range(100, 131, 10));
        assertThat(stepped).extracting(DecodedFrame::index).containsExactly(100L, 110L, 120L, 130L);
    }

    @Test
    @Timeout(60)
    void aConsumerFailingEndsTheDecodeWithItsException() {
        Path video = SharedFiles.media("vtest.avi");
        assertThatThrownBy(() -> decoder.decode(video, FrameSampling.all(), f -> {
            if (f.index() == 5) {
                throw new IllegalStateException("consumer failed at 5");
            }
            return true;
        })).isInstanceOf(IllegalStateException.class).hasMessage("consumer failed at 5");
        assertThat(decoder.decode(video, FrameSampling.range(0, 3), f -> true)).isEqualTo(3);
    }

    @Test
    void samplesEveryNthFrame() {
        List<DecodedFrame> frames = decoder.decodeToList(SharedFiles.media("speedway.mj2"), FrameSampling.everyNth(50));
        assertThat(frames).extracting(DecodedFrame::index).containsExactly(0L, 50L, 100L, 150L);
    }

    @Test
    void rangeAndTimestampSeeksAreFrameAccurate() {
        Path video = SharedFiles.media("counter-text.mp4");
        // Reference: sequential decode of frames 600..602.
        List<DecodedFrame> all = decoder.decodeToList(video, FrameSampling.everyNth(1));
        List<DecodedFrame> sequential = all.subList(600, 603);
        List<DecodedFrame> ranged = decoder.decodeToList(video, FrameSampling.range(600, 603));
        assertThat(ranged).extracting(DecodedFrame::index).containsExactly(600L, 601L, 602L);
        for (int i = 0; i < 3; i++) {
            assertThat(differingPixels(sequential.get(i).image(), ranged.get(i).image())).isZero();
        }
        // A stepped range from a non-key frame: 590, 595, 600 and 605, each exactly the sequential frame.
        List<DecodedFrame> stepped = decoder.decodeToList(video, FrameSampling.range(590, 608, 5));
        assertThat(stepped).extracting(DecodedFrame::index).containsExactly(590L, 595L, 600L, 605L);
        for (DecodedFrame f : stepped) {
            assertThat(differingPixels(all.get((int) f.index()).image(), f.image())).isZero();
        }
        // 24.04 s at 25 fps is frame 601.
        List<DecodedFrame> at = decoder.decodeToList(video, FrameSampling.atTimestamps(List.of(24_040_000L)));
        assertThat(at).hasSize(1);
        assertThat(at.get(0).index()).isEqualTo(601L);
        assertThat(differingPixels(sequential.get(1).image(), at.get(0).image())).isZero();
    }

    @Test
    void badMediaIsAClearError(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("nope.mp4");
        assertThatThrownBy(() -> decoder.probe(missing)).isInstanceOf(MediaException.class)
                .hasMessageContaining("no such media file");

        Path empty = Files.createFile(tmp.resolve("empty.mp4"));
        assertThatThrownBy(() -> decoder.probe(empty)).isInstanceOf(MediaException.class).hasMessageContaining("empty");

        byte[] noise = new byte[200_000];
        new Random(7).nextBytes(noise);
        Path garbage = Files.write(tmp.resolve("garbage.mp4"), noise);
        assertThatThrownBy(() -> decoder.decode(garbage, FrameSampling.all(), f -> true))
                .isInstanceOf(MediaException.class).hasMessageContaining("garbage.mp4");

        Path notVideo = SharedFiles.media("speech.wav");
        assertThatThrownBy(() -> decoder.decode(notVideo, FrameSampling.all(), f -> true))
                .isInstanceOf(MediaException.class).hasMessageContaining("no video stream");
    }

    @Test
    @Timeout(60)
    void truncatedMediaIsAClearErrorNotAHang(@TempDir Path tmp) throws Exception {
        for (String name : List.of("vtest.avi", "counter-text.mp4")) {
            byte[] whole = Files.readAllBytes(SharedFiles.media(name));
            byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
            Path cut = Files.write(tmp.resolve("cut-" + name), half);
            long start = System.nanoTime();
            assertThatThrownBy(() -> decoder.decode(cut, FrameSampling.all(), f -> true))
                    .isInstanceOf(MediaException.class)
                    .hasMessageContaining("cut-" + name);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    static int differingPixels(Mat a, Mat b) {
        Mat diff = new Mat();
        absdiff(a, b, diff);
        int total = 0;
        for (int c = 0; c < 3; c++) {
            Mat ch = new Mat();
            extractChannel(diff, ch, c);
            total += countNonZero(ch);
        }
        return total;
    }
}
