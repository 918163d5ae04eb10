package io.framegrid.gpunode.media;

import java.nio.Buffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * A file's first audio stream decoded whole to interleaved signed 16-bit samples, resampled by FFmpeg to the rate
 * and channel count asked for; its length is what the samples say, not what a header declares.
 *
 * @param samples  interleaved, {@code frames() * channels} values
 */
public record AudioPcm(short[] samples, int sampleRate, int channels) {

    /** Sample frames (one value per channel each). */
    public int frames() {
        return samples.length / channels;
    }

    public double durationSeconds() {
        return frames() / (double) sampleRate;
    }

    /** Decodes {@code file}'s audio at {@code sampleRate} Hz, {@code channels} channels. */
    public static AudioPcm decode(Path file, int sampleRate, int channels) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new MediaException("no such media file: " + file);
        }
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            // Bounded probing, as MediaDecoder's: garbage fails fast. The resampler is set before start().
            grabber.setOption("probesize", "5000000");
            grabber.setOption("analyzeduration", "5000000");
            grabber.setSampleMode(FrameGrabber.SampleMode.SHORT);
            grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
            grabber.setSampleRate(sampleRate);
            grabber.setAudioChannels(channels);
            grabber.start();
            if (grabber.getAudioStream() < 0 && grabber.getAudioChannels() <= 0) {
                throw new MediaException(file + " has no audio stream");
            }
            short[] out = new short[1 << 16];
            int n = 0;
            Frame frame;
            while ((frame = grabber.grabSamples()) != null) {
                if (frame.samples == null || frame.samples.length == 0) {
                    continue;
                }
                Buffer b = frame.samples[0];
                if (!(b instanceof ShortBuffer sb)) {
                    throw new MediaException(file + ": audio did not decode to 16-bit samples");
                }
                ShortBuffer data = sb.duplicate();
                int count = data.remaining();
                if (n + count > out.length) {
                    out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, n + count));
                }
                data.get(out, n, count);
                n += count;
            }
            return new AudioPcm(java.util.Arrays.copyOf(out, n - n % channels), sampleRate, channels);
        } catch (FrameGrabber.Exception | RuntimeException e) {
            if (e instanceof MediaException me) {
                throw me;
            }
            throw new MediaException("cannot decode the audio of " + file + ": " + e.getMessage(), e);
        }
    }

    /** Silence of {@code frames} sample frames. */
    public static AudioPcm silence(long frames, int sampleRate, int channels) {
        return new AudioPcm(new short[(int) (frames * channels)], sampleRate, channels);
    }

    /** {@code count} sample frames from {@code first} (zeros past the end). */
    public short[] slice(long first, long count) {
        short[] out = new short[(int) (count * channels)];
        long from = first * channels;
        int available = (int) Math.max(0, Math.min(out.length, samples.length - from));
        if (available > 0) {
            System.arraycopy(samples, (int) from, out, 0, available);
        }
        return out;
    }
}
