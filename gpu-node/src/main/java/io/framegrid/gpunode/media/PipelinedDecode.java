package io.framegrid.gpunode.media;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_clone;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One forward decode pass split over two threads: a worker thread demuxes and decodes (FFmpeg's decoders for
 * MPEG-4 part 2 style codecs run on one thread) and hands each wanted frame over as a new reference to the decoder's
 * picture (no pixel copy); the calling thread converts it to BGR with swscale and delivers it. Decoding the next
 * frame thus overlaps the colour conversion of this one, which costs about as much as the decode itself. Frames,
 * their order, indices and timestamps are exactly those of the single-threaded loop; the conversion is the same
 * swscale call JavaCV makes ({@link BgrConverter}).
 *
 * <p>The grabber is used only by the worker while a pass runs; {@link #run} returns after the worker has stopped.
 */
final class PipelinedDecode {
    /** Decoded frames waiting for conversion; each holds a reference to a decoder picture buffer. */
    private static final int QUEUE_FRAMES = 4;

    /** What the worker hands over: a frame, the end of the pass, or its failure. */
    private sealed interface Item permits Decoded, End, Failed {}

    private record Decoded(long index, long timestampMicros, AVFrame picture) implements Item {}

    private record End(long next, boolean decodedToEnd) implements Item {}

    private record Failed(Throwable error) implements Item {}

    /** Receives the converted frames in order; false stops the pass. */
    interface Sink {
        boolean accept(long index, long timestampMicros, Mat bgr);
    }

    /** How the pass ended: frames delivered, the next frame index, whether the decoder ran out of frames. */
    record Result(long delivered, long next, boolean decodedToEnd) {}

    private final FFmpegFrameGrabber grabber;
    private final BgrConverter converter;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES);
    private volatile boolean stopped;

    /** {@code grabber} opened in RAW mode (it exposes the decoder's picture as {@code Frame.opaque}). */
    PipelinedDecode(FFmpegFrameGrabber grabber, BgrConverter converter) {
        this.grabber = grabber;
        this.converter = converter;
    }

    /**
     * Decodes forward from the grabber's position, frame {@code index} first, below {@code decodeLimit}; frames
     * {@code from + k * step} are converted and given to {@code sink}.
     */
    Result run(long index, long decodeLimit, long from, int step, Sink sink) throws FrameGrabber.Exception {
        Thread worker = new Thread(() -> decode(index, decodeLimit, from, step), "framegrid-decode");
        worker.setDaemon(true);
        worker.start();
        long delivered = 0;
        boolean ended = false;
        try {
            while (true) {
                Item item = take();
                if (item instanceof End end) {
                    ended = true;
                    return new Result(delivered, end.next(), end.decodedToEnd());
                }
                if (item instanceof Failed failed) {
                    ended = true;
                    throw rethrow(failed.error());
                }
                Decoded frame = (Decoded) item;
                Mat bgr;
                try {
                    bgr = converter.convert(frame.picture());
                } finally {
                    av_frame_free(frame.picture());
                }
                delivered++;
                if (!sink.accept(frame.index(), frame.timestampMicros(), bgr)) {
                    return new Result(delivered, frame.index(), false);
                }
            }
        } finally {
            stopped = true;
            if (!ended) {
                drainUntilEnd(worker);
            }
            joinQuietly(worker);
        }
    }

    private void decode(long start, long decodeLimit, long from, int step) {
        try {
            long index = start;
            while (index < decodeLimit && !stopped) {
                boolean wanted = (index - from) % step == 0;
                // Frames between the wanted ones are decoded (the codec needs them) but not handed over.
                Frame frame = grabber.grabFrame(false, true, wanted, false, false);
                if (frame == null) {
                    put(new End(index, true));
                    return;
                }
                if (frame.image == null) {
                    continue;
                }
                if (wanted) {
                    AVFrame picture = av_frame_clone((AVFrame) frame.opaque);
                    if (picture == null) {
                        throw new OutOfMemoryError("av_frame_clone() failed");
                    }
                    if (!put(new Decoded(index, frame.timestamp, picture))) {
                        av_frame_free(picture);
                        return;
                    }
                }
                index++;
            }
            put(new End(index, false));
        } catch (Throwable t) {
            put(new Failed(t));
        }
    }

    /** Queues an item unless the pass was stopped meanwhile (then the caller drains until it sees the worker end). */
    private boolean put(Item item) {
        try {
            while (!queue.offer(item, 50, TimeUnit.MILLISECONDS)) {
                if (stopped) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Item take() throws FrameGrabber.Exception {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FrameGrabber.Exception("interrupted while decoding", e);
        }
    }

    /** Frees what the worker still queues until it has stopped. */
    private void drainUntilEnd(Thread worker) {
        while (worker.isAlive() || !queue.isEmpty()) {
            Item item;
            try {
                item = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                worker.interrupt();
                item = queue.poll();
            }
            if (item instanceof Decoded frame) {
                av_frame_free(frame.picture());
            }
        }
    }

    private static void joinQuietly(Thread worker) {
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static RuntimeException rethrow(Throwable error) throws FrameGrabber.Exception {
        if (error instanceof FrameGrabber.Exception e) {
            throw e;
        }
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
        throw new FrameGrabber.Exception(error.getMessage(), error);
    }
}
