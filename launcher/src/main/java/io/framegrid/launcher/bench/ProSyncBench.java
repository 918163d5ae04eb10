package io.framegrid.launcher.bench;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.media.AudioPcm;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.studio.DubbedAudio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench prosync}: seconds of processing per output second of pro-sync's dubbing path without a
 * lip-sync model (decode the original and the crops, loudness-match, crossfade-splice, re-encode H.264 + AAC, as
 * the render and mux tasks do, without the cluster's transfers) against an ffmpeg filter graph doing the same audio
 * replacement and H.264 re-encode, measured side by side in one run (target ≤ 1.5×).
 */
@Command(name = "prosync", mixinStandardHelpOptions = true,
        description = "Pro-sync dubbing (3 segments of speech.wav over a 10 s 640x360 talking head) vs an ffmpeg "
                + "filter graph doing the same audio replacement, seconds per output second")
public final class ProSyncBench implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "10", description = "Video length (6..60)") int seconds;
    @Option(names = "--runs", defaultValue = "3", description = "Runs of each, the best kept") int runs;
    @Option(names = "--ffmpeg", defaultValue = "ffmpeg", description = "The ffmpeg binary of the baseline") String ffmpeg;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("framegrid-bench-prosync");
        Path speech = SharedFiles.media("speech.wav");
        Mat photo = imread(SharedFiles.media("images/person.jpg").toString());
        Mat frame = new Mat();
        resize(photo, frame, new Size(640, 360));
        Path video = work.resolve("head.mp4");
        // The talking head's own audio: a few seconds of speech looped, so the original is speech too.
        new MediaEncoder().encode(video, VideoEncodeSettings.mp4(), 25,
                Collections.nCopies(seconds * 25, frame), Collections.nCopies((seconds + 4) / 4, speech));
        double[][] segments = {{1, 3, 0}, {4, 6, 1}, {7, 9, 2.5}};
        MediaInfo info = new MediaDecoder().probe(video);
        double ours = Double.MAX_VALUE;
        double theirs = Double.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            int rate = info.audioSampleRate();
            int ch = info.audioChannels();
            AudioPcm base = AudioPcm.decode(video, rate, ch);
            AudioPcm crop = AudioPcm.decode(speech, rate, ch);
            for (double[] s : segments) {
                long from = Math.round(s[0] * rate);
                long n = Math.round((s[1] - s[0]) * rate);
                short[] cut = crop.slice(Math.round(s[2] * rate), n);
                DubbedAudio.matchLoudness(cut, base.slice(from, n));
                DubbedAudio.splice(base, cut, from, (int) Math.round(DubbedAudio.CROSSFADE_SECONDS * rate));
            }
            new MediaEncoder().transcode(video, work.resolve("ours.mp4"), VideoEncodeSettings.mp4(), m -> m, base);
            ours = Math.min(ours, (System.nanoTime() - t0) / 1e9);

            StringBuilder graph = new StringBuilder("[0:a]volume=0:enable='");
            List<String> gates = new ArrayList<>();
            for (double[] s : segments) {
                gates.add(String.format(Locale.ROOT, "between(t,%.3f,%.3f)", s[0], s[1]));
            }
            graph.append(String.join("+", gates)).append("'[orig]");
            List<String> mix = new ArrayList<>(List.of("[orig]"));
            for (int i = 0; i < segments.length; i++) {
                double[] s = segments[i];
                graph.append(String.format(Locale.ROOT, ";[1:a]atrim=%.3f:%.3f,asetpts=PTS-STARTPTS,"
                        + "afade=t=in:d=0.02,afade=t=out:st=%.3f:d=0.02,adelay=%d:all=1[s%d]", s[2], s[2] + s[1] - s[0],
                        s[1] - s[0] - 0.02, Math.round(s[0] * 1000), i));
                mix.add("[s" + i + "]");
            }
            graph.append(";").append(String.join("", mix)).append("amix=inputs=").append(mix.size())
                    .append(":normalize=0:duration=first[a]");
            long t1 = System.nanoTime();
            Process p = new ProcessBuilder(ffmpeg, "-y", "-loglevel", "error", "-i", video.toString(), "-i",
                    speech.toString(), "-filter_complex", graph.toString(), "-map", "0:v", "-map", "[a]", "-c:v",
                    "libx264", "-b:v", "2M", "-c:a", "aac", "-b:a", "128k", work.resolve("ffmpeg.mp4").toString())
                    .inheritIO().start();
            if (p.waitFor() != 0) {
                System.err.println("ffmpeg failed (exit " + p.exitValue() + ")");
                return 1;
            }
            theirs = Math.min(theirs, (System.nanoTime() - t1) / 1e9);
        }
        double out = info.durationSeconds();
        System.out.printf(Locale.ROOT, "pro-sync dubbing, %d s 640x360, 3 segments, no lip-sync model (best of %d)%n",
                seconds, runs);
        System.out.printf(Locale.ROOT, "  framegrid: %.3f s per output second%n", ours / out);
        System.out.printf(Locale.ROOT, "  ffmpeg filter graph: %.3f s per output second%n", theirs / out);
        System.out.printf(Locale.ROOT, "  ratio framegrid / ffmpeg: %.2fx (target <= 1.5x)%n", ours / theirs);
        System.out.println("  load: " + Files.readString(Path.of("/proc/loadavg")).trim());
        return 0;
    }
}
