package io.framegrid.gpunode.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.MatBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoded frames go into the frame cache and later decodes of the same content come back out of it. */
class FrameCacheReadThroughTest {
    /** Counts what the decoder asks of a cache; keeps copies, as the contract requires. */
    private static final class CountingCache implements FrameCache {
        final Map<String, Mat> frames = new ConcurrentHashMap<>();
        final AtomicInteger hits = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();

        @Override
        public Optional<Mat> get(String mediaKey, long frameIndex) {
            Mat mat = frames.get(mediaKey + "#" + frameIndex);
            if (mat == null) {
                return Optional.empty();
            }
            hits.incrementAndGet();
            return Optional.of(mat.clone());
        }

        @Override
        public void put(String mediaKey, long frameIndex, Mat bgr) {
            puts.incrementAndGet();
            frames.put(mediaKey + "#" + frameIndex, bgr.clone());
        }
    }

    @TempDir
    Path dir;

    @Test
    void aRangeDecodedOnceIsServedFromTheCacheEvenFromAnotherPath() throws IOException {
        CountingCache cache = new CountingCache();
        MediaDecoder decoder = new MediaDecoder(cache);
        Path original = SharedFiles.media("vtest.avi");
        Path copy = Files.copy(original, dir.resolve("fetched-elsewhere.avi"));

        List<DecodedFrame> first = decoder.decodeToList(original, FrameSampling.range(100, 110));
        assertThat(cache.puts).hasValue(10);
        assertThat(cache.hits).hasValue(0);

        List<DecodedFrame> second = decoder.decodeToList(copy, FrameSampling.range(100, 110));
        assertThat(cache.hits).hasValue(10);
        assertThat(cache.puts).as("nothing decoded again").hasValue(10);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).index()).isEqualTo(first.get(i).index());
            assertThat(MatBytes.bgr(second.get(i).image())).isEqualTo(MatBytes.bgr(first.get(i).image()));
        }
    }

    @Test
    void aRangeOverlappingTheCacheDecodesOnlyTheMissingTail() {
        CountingCache cache = new CountingCache();
        MediaDecoder decoder = new MediaDecoder(cache);
        Path video = SharedFiles.media("vtest.avi");
        List<DecodedFrame> head = decoder.decodeToList(video, FrameSampling.range(200, 205));
        List<DecodedFrame> all = decoder.decodeToList(video, FrameSampling.range(200, 210));
        assertThat(cache.hits).hasValue(5);
        assertThat(cache.puts).hasValue(10);
        assertThat(all).extracting(DecodedFrame::index).containsExactly(200L, 201L, 202L, 203L, 204L, 205L, 206L,
                207L, 208L, 209L);
        List<DecodedFrame> plain = new MediaDecoder().decodeToList(video, FrameSampling.range(205, 210));
        for (int i = 0; i < plain.size(); i++) {
            assertThat(MatBytes.bgr(all.get(5 + i).image())).isEqualTo(MatBytes.bgr(plain.get(i).image()));
        }
        assertThat(MatBytes.bgr(all.get(0).image())).isEqualTo(MatBytes.bgr(head.get(0).image()));
    }

    @Test
    void everyNthSamplingOfAFullyCachedVideoDecodesNothing() {
        CountingCache cache = new CountingCache();
        MediaDecoder decoder = new MediaDecoder(cache);
        Path video = SharedFiles.media("vtest.avi");
        long first = decoder.decode(video, FrameSampling.everyNth(50), f -> true);
        int putsAfterFirst = cache.puts.get();
        long second = decoder.decode(video, FrameSampling.everyNth(50), f -> true);
        assertThat(first).isEqualTo(16);
        assertThat(second).isEqualTo(first);
        assertThat(cache.hits).hasValue(16);
        assertThat(cache.puts).hasValue(putsAfterFirst);
    }
}
