package io.framegrid.gpunode.media;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Writes H.264 video (libopenh264 in the LGPL FFmpeg build) with an AAC audio track.
 *
 * <p>Two shapes: {@link #transcode} re-encodes a source, optionally transforming each frame, and copies its audio
 * (decoded and re-encoded, so any source audio codec works); {@link #encode} writes frames from memory with a
 * new audio track assembled from audio clips played back to back.
 */
public final class MediaEncoder {

    /** Re-encodes {@code source} into {@code out}, applying {@code transform} to every BGR frame; keeps audio. */
    public MediaInfo transcode(Path source, Path out, VideoEncodeSettings settings, UnaryOperator<Mat> transform) {
        return transcode(source, out, settings, 0, 0, transform);
    }

    /**
     * As {@link #transcode(Path, Path, VideoEncodeSettings, UnaryOperator)}, writing {@code width × height} frames
     * (0 = the source's size), e.g. when {@code transform} crops; frames of another size would be scaled.
     */
    public MediaInfo transcode(Path source, Path out, VideoEncodeSettings settings, int width, int height,
            UnaryOperator<Mat> transform) {
        try (FFmpegFrameGrabber grabber = MediaDecoder.open(source);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            MediaInfo in = MediaDecoder.describe(grabber);
            if (!in.hasVideo()) {
                throw new MediaException(source + " has no video stream");
            }
            try (FFmpegFrameRecorder recorder = recorder(out, settings, width > 0 ? width : in.width(),
                    height > 0 ? height : in.height(), in.fps(),
                    in.hasAudio() ? in.audioChannels() : 0, in.audioSampleRate())) {
                recorder.start();
                Frame frame;
                while ((frame = grabber.grabFrame(in.hasAudio(), true, true, false, false)) != null) {
                    if (frame.image != null) {
                        Mat result = transform.apply(converter.convert(frame));
                        recorder.record(converter.convert(result), avutil.AV_PIX_FMT_BGR24);
                    } else if (frame.samples != null) {
                        recorder.recordSamples(frame.sampleRate, frame.audioChannels, frame.samples);
                    }
                }
                recorder.stop();
            }
        } catch (FrameGrabber.Exception | FrameRecorder.Exception e) {
            throw new MediaException("cannot transcode " + source + " to " + out + ": " + e.getMessage(), e);
        }
        return new MediaDecoder().probe(out);
    }

    /**
     * As {@link #transcode(Path, Path, VideoEncodeSettings, UnaryOperator)}, with {@code audio} as the audio track
     * instead of the source's (interleaved with the video as it plays, so the muxer never buffers it all).
     */
    public MediaInfo transcode(Path source, Path out, VideoEncodeSettings settings, UnaryOperator<Mat> transform,
            AudioPcm audio) {
        try (FFmpegFrameGrabber grabber = MediaDecoder.open(source);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            MediaInfo in = MediaDecoder.describe(grabber);
            if (!in.hasVideo()) {
                throw new MediaException(source + " has no video stream");
            }
            try (FFmpegFrameRecorder recorder = recorder(out, settings, in.width(), in.height(), in.fps(),
                    audio.channels(), audio.sampleRate())) {
                recorder.start();
                long written = 0;
                long frames = 0;
                int chunk = 1024;
                Frame frame;
                while ((frame = grabber.grabFrame(false, true, true, false, false)) != null) {
                    if (frame.image == null) {
                        continue;
                    }
                    Mat result = transform.apply(converter.convert(frame));
                    recorder.record(converter.convert(result), avutil.AV_PIX_FMT_BGR24);
                    frames++;
                    long due = Math.min(audio.frames(), Math.round(frames / in.fps() * audio.sampleRate()));
                    for (; written + chunk <= due; written += chunk) {
                        recorder.recordSamples(audio.sampleRate(), audio.channels(),
                                java.nio.ShortBuffer.wrap(audio.slice(written, chunk)));
                    }
                }
                for (; written < audio.frames(); written += chunk) {
                    int n = (int) Math.min(chunk, audio.frames() - written);
                    // A fresh buffer per call: the recorder reads from position 0.
                    recorder.recordSamples(audio.sampleRate(), audio.channels(),
                            java.nio.ShortBuffer.wrap(audio.slice(written, n)));
                }
                recorder.stop();
            }
        } catch (FrameGrabber.Exception | FrameRecorder.Exception e) {
            throw new MediaException("cannot transcode " + source + " to " + out + ": " + e.getMessage(), e);
        }
        return new MediaDecoder().probe(out);
    }

    /**
     * Encodes BGR frames at {@code fps}; when {@code audioClips} is non-empty they are decoded and laid end to end
     * (resampled to the first clip's rate and channel count) as the audio track.
     */
    public MediaInfo encode(Path out, VideoEncodeSettings settings, double fps, Iterable<Mat> frames,
            List<Path> audioClips) {
        var frameIterator = frames.iterator();
        if (!frameIterator.hasNext()) {
            throw new MediaException("no frames to encode into " + out);
        }
        Mat first = frameIterator.next();
        int sampleRate = 0;
        int channels = 0;
        if (!audioClips.isEmpty()) {
            MediaInfo firstClip = new MediaDecoder().probe(audioClips.get(0));
            if (!firstClip.hasAudio()) {
                throw new MediaException(audioClips.get(0) + " has no audio stream");
            }
            sampleRate = firstClip.audioSampleRate();
            channels = firstClip.audioChannels();
        }
        try (FFmpegFrameRecorder recorder = recorder(out, settings, first.cols(), first.rows(), fps, channels,
                sampleRate);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            recorder.start();
            recorder.record(converter.convert(first), avutil.AV_PIX_FMT_BGR24);
            while (frameIterator.hasNext()) {
                recorder.record(converter.convert(frameIterator.next()), avutil.AV_PIX_FMT_BGR24);
            }
            // The muxer interleaves by timestamp, so audio may follow all the video here.
            for (Path clip : audioClips) {
                try (FFmpegFrameGrabber audio = MediaDecoder.open(clip)) {
                    Frame samples;
                    while ((samples = audio.grabSamples()) != null) {
                        recorder.recordSamples(samples.sampleRate, samples.audioChannels, samples.samples);
                    }
                }
            }
            recorder.stop();
        } catch (FrameGrabber.Exception | FrameRecorder.Exception e) {
            throw new MediaException("cannot encode " + out + ": " + e.getMessage(), e);
        }
        return new MediaDecoder().probe(out);
    }

    private static FFmpegFrameRecorder recorder(Path out, VideoEncodeSettings settings, int width, int height,
            double fps, int audioChannels, int sampleRate) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new MediaException("cannot create the folder of " + out, e);
        }
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toFile(), width, height, audioChannels);
        recorder.setFormat(settings.container());
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(fps);
        recorder.setVideoBitrate(settings.videoBitrate());
        recorder.setGopSize((int) Math.max(1, Math.round(fps * 2)));
        if (audioChannels > 0) {
            recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            recorder.setAudioBitrate(settings.audioBitrate());
            recorder.setSampleRate(sampleRate);
            recorder.setAudioChannels(audioChannels);
        }
        return recorder;
    }
}
