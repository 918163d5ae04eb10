package io.framegrid.gpunode.media;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Probes and decodes anything FFmpeg reads (MP4, MOV, AVI, MKV, Motion JPEG 2000, ...) into BGR frames.
 *
 * <p>Instances are stateless apart from the frame cache and may be shared; each call opens its own grabber.
 */
public final class MediaDecoder {

    static {
        // FFmpeg's own log goes to stderr at "info" otherwise; errors still surface as MediaException.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final FrameCache cache;

    public MediaDecoder(FrameCache cache) {
        this.cache = cache;
    }

    public MediaDecoder() {
        this(FrameCache.NONE);
    }

    /** Container, codecs, duration, fps, size and audio tracks of a file. */
    public MediaInfo probe(Path file) {
        try (FFmpegFrameGrabber grabber = open(file)) {
            return describe(grabber);
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("cannot probe " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes the sampled frames of a file, in presentation order, into {@code consumer}.
     *
     * @return the number of frames delivered
     * @throws MediaException when the file is missing, not media, has no video, or ends early (truncated)
     */
    public long decode(Path file, FrameSampling sampling, FrameConsumer consumer) {
        return decode(file, sampling, consumer, index -> true);
    }

    /**
     * As {@link #decode(Path, FrameSampling, FrameConsumer)}, putting into the frame cache only the delivered frames
     * {@code cached} accepts (a pass that reads every frame but whose later stages reuse a few caches those few).
     */
    public long decode(Path file, FrameSampling sampling, FrameConsumer consumer, java.util.function.LongPredicate cached) {
        // RAW: the grabber leaves the colour conversion to BgrConverter, on the calling thread (see PipelinedDecode).
        try (FFmpegFrameGrabber grabber = open(file, FrameGrabber.ImageMode.RAW);
                BgrConverter converter = new BgrConverter()) {
            MediaInfo info = describe(grabber);
            if (!info.hasVideo()) {
                throw new MediaException(file + " has no video stream");
            }
            // Fingerprinting reads 2 MiB; without a cache nobody would use the key.
            String key = cache == FrameCache.NONE ? "" : cacheKey(file);
            if (sampling instanceof FrameSampling.EveryNth every) {
                return decodeSequential(file, grabber, converter, info, every.n(), key, consumer, cached);
            }
            if (sampling instanceof FrameSampling.Range range) {
                return decodeRange(grabber, converter, info, range, key, consumer, cached);
            }
            return decodeAtTimestamps(grabber, converter, info, (FrameSampling.AtTimestamps) sampling, key, consumer);
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("cannot decode " + file + ": " + e.getMessage(), e);
        }
    }

    /** Decodes and keeps copies of the sampled frames; mind the memory on long videos. */
    public List<DecodedFrame> decodeToList(Path file, FrameSampling sampling) {
        List<DecodedFrame> frames = new ArrayList<>();
        decode(file, sampling, f -> frames.add(f.copy()));
        return frames;
    }

    private long decodeSequential(Path file, FFmpegFrameGrabber grabber, BgrConverter converter,
            MediaInfo info, int n, String key, FrameConsumer consumer, java.util.function.LongPredicate cached)
            throws FrameGrabber.Exception {
        // Only a declared frame count tells where the video ends, so without one nothing is read from the cache
        // and everything is decoded; decoding runs to the real end, which must match the declared count.
        long cacheLimit = info.frameCountDeclared() ? info.frameCount() : 0;
        Pass pass = decodeStepped(grabber, converter, info, 0, cacheLimit, Long.MAX_VALUE, n, key, consumer, cached);
        if (pass.decodedToEnd()) {
            checkNotTruncated(file, info, pass.next());
        }
        return pass.delivered();
    }

    private long decodeRange(FFmpegFrameGrabber grabber, BgrConverter converter, MediaInfo info,
            FrameSampling.Range range, String key, FrameConsumer consumer, java.util.function.LongPredicate cached)
            throws FrameGrabber.Exception {
        return decodeStepped(grabber, converter, info, range.from(), range.toExclusive(), range.toExclusive(),
                range.step(), key, consumer, cached).delivered();
    }

    /** How a stepped decode ended: frames delivered, the next frame index, whether the decoder ran out of frames. */
    private record Pass(long delivered, long next, boolean decodedToEnd) {}

    /**
     * Frames {@code from, from + step, ...}: those cached (below {@code cacheLimit}) are served first; from the first
     * miss the grabber seeks once and decodes forward below {@code decodeLimit}, colour-converting only wanted frames.
     */
    private Pass decodeStepped(FFmpegFrameGrabber grabber, BgrConverter converter, MediaInfo info,
            long from, long cacheLimit, long decodeLimit, int step, String key, FrameConsumer consumer,
            java.util.function.LongPredicate cached) throws FrameGrabber.Exception {
        long index = from;
        long delivered = 0;
        while (index < cacheLimit) {
            java.util.Optional<Mat> hit = cache.get(key, index);
            if (hit.isEmpty()) {
                break;
            }
            delivered++;
            if (!consumer.accept(new DecodedFrame(index, timestampMicros(index, info), hit.get()))) {
                return new Pass(delivered, index, false);
            }
            index += step;
        }
        if (index >= decodeLimit || (cacheLimit > from && index >= cacheLimit)) {
            return new Pass(delivered, index, false);
        }
        if (index > 0) {
            // JavaCV seeks to the preceding key frame and decodes forward to the exact frame.
            grabber.setVideoFrameNumber((int) index);
        }
        long before = delivered;
        PipelinedDecode.Result pass = new PipelinedDecode(grabber, converter).run(index, decodeLimit, from, step,
                (frameIndex, timestamp, mat) -> {
                    if (cached.test(frameIndex)) {
                        cache.put(key, frameIndex, mat);
                    }
                    return consumer.accept(new DecodedFrame(frameIndex, timestamp, mat));
                });
        return new Pass(before + pass.delivered(), pass.next(), pass.decodedToEnd());
    }

    private long decodeAtTimestamps(FFmpegFrameGrabber grabber, BgrConverter converter,
            MediaInfo info, FrameSampling.AtTimestamps at, String key, FrameConsumer consumer)
            throws FrameGrabber.Exception {
        long delivered = 0;
        for (long micros : at.micros()) {
            grabber.setTimestamp(Math.max(0, micros), true);
            Frame frame = grabber.grabImage();
            if (frame == null) {
                continue; // past the end
            }
            long index = Math.round(frame.timestamp * info.fps() / 1_000_000.0);
            Mat mat = converter.convert((AVFrame) frame.opaque);
            cache.put(key, index, mat);
            delivered++;
            if (!consumer.accept(new DecodedFrame(index, frame.timestamp, mat))) {
                break;
            }
        }
        return delivered;
    }

    /**
     * A file cut short usually still opens (AVI, MKV, fast-start MP4) and just ends early; compare with what
     * the container promised so that callers get an error rather than a silently short video.
     */
    private static void checkNotTruncated(Path file, MediaInfo info, long decoded) {
        long expected = info.frameCount();
        // Only a header count is trustworthy; a duration estimate (MKV) can be off by the audio tail.
        if (info.frameCountDeclared() && expected > 0 && decoded < expected * 0.95 - 1) {
            throw new MediaException(file + " is truncated or corrupt: decoded " + decoded + " of "
                    + expected + " frames the container declares");
        }
    }

    static FFmpegFrameGrabber open(Path file) throws FrameGrabber.Exception {
        return open(file, FrameGrabber.ImageMode.COLOR);
    }

    /** In COLOR mode frames come as BGR; in RAW mode as the decoder's picture ({@code Frame.opaque}, an AVFrame). */
    static FFmpegFrameGrabber open(Path file, FrameGrabber.ImageMode mode) throws FrameGrabber.Exception {
        if (!Files.isRegularFile(file)) {
            throw new MediaException("no such media file: " + file);
        }
        try {
            if (Files.size(file) == 0) {
                throw new MediaException(file + " is empty");
            }
        } catch (IOException e) {
            throw new MediaException("cannot read " + file + ": " + e.getMessage(), e);
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        grabber.setImageMode(mode);
        grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        // Bounded probing: garbage input fails fast instead of being scanned at length.
        grabber.setOption("probesize", "5000000");
        grabber.setOption("analyzeduration", "5000000");
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            closeQuietly(grabber);
            throw new MediaException("cannot open " + file + " as media: " + e.getMessage(), e);
        }
        return grabber;
    }

    static MediaInfo describe(FFmpegFrameGrabber grabber) {
        AVFormatContext ctx = grabber.getFormatContext();
        int audioTracks = 0;
        long declaredFrames = 0;
        for (int i = 0; i < ctx.nb_streams(); i++) {
            int type = ctx.streams(i).codecpar().codec_type();
            if (type == AVMEDIA_TYPE_AUDIO) {
                audioTracks++;
            } else if (type == AVMEDIA_TYPE_VIDEO && declaredFrames == 0) {
                // The header's count (AVI) or the video stream's own duration (MP4/MOV) survive truncation;
                // the container duration does not, and in MKV it includes the audio tail.
                var stream = ctx.streams(i);
                declaredFrames = stream.nb_frames();
                if (declaredFrames <= 0 && stream.duration() > 0 && stream.duration() != avutil.AV_NOPTS_VALUE
                        && stream.avg_frame_rate().den() > 0) {
                    double seconds = stream.duration() * avutil.av_q2d(stream.time_base());
                    declaredFrames = Math.round(seconds * avutil.av_q2d(stream.avg_frame_rate()));
                }
            }
        }
        boolean video = grabber.hasVideo();
        boolean audio = grabber.hasAudio();
        return new MediaInfo(
                nullToEmpty(grabber.getFormat()),
                video ? nullToEmpty(grabber.getVideoCodecName()) : "",
                audio ? nullToEmpty(grabber.getAudioCodecName()) : "",
                grabber.getLengthInTime() / 1_000_000.0,
                video ? grabber.getVideoFrameRate() : 0,
                grabber.getImageWidth(),
                grabber.getImageHeight(),
                video ? (declaredFrames > 0 ? declaredFrames : grabber.getLengthInVideoFrames()) : 0,
                declaredFrames > 0,
                audioTracks,
                audio ? grabber.getSampleRate() : 0,
                audio ? grabber.getAudioChannels() : 0);
    }

    /**
     * Identifies the content, not the path: stages on different nodes fetch the same media to different local
     * files, and must still share its frames. Size plus a SHA-256 of the first and last MiB tells videos apart
     * without reading whole files.
     */
    static String cacheKey(Path file) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            long size = channel.size();
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 20);
            for (long start : new long[] {0, Math.max(0, size - buffer.capacity())}) {
                buffer.clear();
                channel.read(buffer, start);
                buffer.flip();
                sha.update(buffer);
            }
            return size + "-" + java.util.HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            return file.toAbsolutePath().toString();
        }
    }

    private static long timestampMicros(long index, MediaInfo info) {
        return info.fps() > 0 ? Math.round(index * 1_000_000.0 / info.fps()) : 0;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.close();
        } catch (Exception ignored) {
            // already failing; the open error is what the caller needs
        }
    }

}
