package io.framegrid.gpunode.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.framegrid.config.local.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaEncoderTest {

    private final MediaDecoder decoder = new MediaDecoder();
    private final MediaEncoder encoder = new MediaEncoder();

    @Test
    void encodeDecodeRoundTripKeepsDurationAndAudio(@TempDir Path tmp) {
        // 5 s of video (125 frames at 25 fps) with the 4.8 s speech clip as a new audio track.
        List<Mat> frames = decoder.decodeToList(SharedFiles.media("counter-text.mp4"), FrameSampling.range(0, 125))
                .stream().map(DecodedFrame::image).toList();
        Path mp4 = tmp.resolve("out.mp4");
        MediaInfo written = encoder.encode(mp4, VideoEncodeSettings.mp4(), 25, frames,
                List.of(SharedFiles.media("speech.wav")));
        assertThat(written.videoCodec()).isEqualTo("h264");
        assertThat(written.audioCodec()).isEqualTo("aac");
        assertThat(written.audioTracks()).isEqualTo(1);
        assertThat(written.durationSeconds()).isCloseTo(5.0, offset(0.15));
        assertThat(decoder.decode(mp4, FrameSampling.all(), f -> true)).isEqualTo(125);

        // Transcode into MOV and MKV: audio copied from the source, duration and frames kept.
        for (String container : List.of("mov", "matroska")) {
            Path out = tmp.resolve("copy." + (container.equals("matroska") ? "mkv" : container));
            MediaInfo info = encoder.transcode(mp4, out, VideoEncodeSettings.of(container), m -> m);
            assertThat(info.audioTracks()).as(container).isEqualTo(1);
            // Matroska's container duration comes out ~0.8 s long (FFmpeg's muxer counts the last AAC block's
            // duration); the exact check there is the frame count below.
            double tolerance = container.equals("matroska") ? 1.0 : 0.15;
            assertThat(info.durationSeconds()).as(container + " " + info)
                    .isCloseTo(written.durationSeconds(), offset(tolerance));
            assertThat(decoder.decode(out, FrameSampling.all(), f -> true)).as(container).isEqualTo(125);
        }
    }

    @Test
    void extractsFramesAndThumbnails(@TempDir Path tmp) throws Exception {
        FrameExtractor extractor = new FrameExtractor(decoder);
        List<Path> jpegs = extractor.extract(SharedFiles.media("speedway.mj2"), FrameSampling.everyNth(100),
                tmp.resolve("jpg"), FrameExtractor.ImageFormat.JPEG);
        assertThat(jpegs).extracting(p -> p.getFileName().toString())
                .containsExactly("frame_000000.jpg", "frame_000100.jpg");
        List<Path> pngs = extractor.extract(SharedFiles.media("vtest.avi"), FrameSampling.range(10, 12),
                tmp.resolve("png"), FrameExtractor.ImageFormat.PNG);
        assertThat(pngs).hasSize(2);
        Mat png = opencv_imgcodecs.imread(pngs.get(0).toString());
        assertThat(png.cols()).isEqualTo(768);

        byte[] thumb = extractor.thumbnail(SharedFiles.media("vtest.avi"), 5_000_000L, 160);
        Path file = Files.write(tmp.resolve("thumb.jpg"), thumb);
        Mat decoded = opencv_imgcodecs.imread(file.toString());
        assertThat(decoded.cols()).isEqualTo(160);
        assertThat(decoded.rows()).isEqualTo(120);
    }
}
