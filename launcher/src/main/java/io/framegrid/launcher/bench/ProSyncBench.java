package io.framegrid.launcher.bench;

import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.engine.lipsync.LipSync;
import io.framegrid.gpunode.engine.lipsync.LipSyncModels;
import io.framegrid.gpunode.engine.lipsync.OnnxGraph;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.AudioPcm;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.models.ModelRegistry;
import io.framegrid.gpunode.studio.DubbedAudio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framegrid bench prosync}: seconds of processing per output second of pro-sync's dubbing path without a
 * lip-sync model (decode the original and the crops, loudness-match, crossfade-splice, re-encode H.264 + AAC, as
 * the render and mux tasks do, without the cluster's transfers) against an ffmpeg filter graph doing the same audio
 * replacement and H.264 re-encode, measured side by side in one run (target ≤ 1.5×). Then the same with a lip-sync
 * model with the Wav2Lip contract ({@code --lipsync-model}, by default the contract test model of
 * {@link OnnxGraph#testLipSyncModel}, which is no real lip-sync model but costs the same plumbing): per segment the
 * render task's steps — decode the segment's frames, track the face with the built-in detector, mel windows, batched
 * ONNX through DJL, feathered paste ({@link LipSync#apply}) — then the mux's encode with those frames swapped in,
 * against the same ffmpeg baseline.
 */
@Command(name = "prosync", mixinStandardHelpOptions = true,
        description = "Pro-sync dubbing (3 segments of speech.wav over a 10 s 640x360 talking head) vs an ffmpeg "
                + "filter graph doing the same audio replacement, seconds per output second")
public final class ProSyncBench implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "10", description = "Video length (6..60)") int seconds;
    @Option(names = "--runs", defaultValue = "3", description = "Runs of each, the best kept") int runs;
    @Option(names = "--ffmpeg", defaultValue = "ffmpeg", description = "The ffmpeg binary of the baseline") String ffmpeg;
    @Option(names = "--lipsync-model", description = "A Wav2Lip-contract ONNX model for the lip-sync figure "
            + "(default: the contract test model, built into a temp dir)") Path lipSyncModel;

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
            AudioPcm base = dubbed(video, speech, info, segments);
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
        return lipSync(work, video, speech, info, segments, theirs);
    }

    /** The render tasks' audio step over every segment and the mux's splice: the dubbed track. */
    private static AudioPcm dubbed(Path video, Path speech, MediaInfo info, double[][] segments) {
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
        return base;
    }

    /**
     * The dubbing path plus lip-sync per segment, best of {@link #runs}, against {@code ffmpegSeconds}. The model is
     * opened once outside the timing, as a node opens its installed model once for every task.
     */
    private int lipSync(Path work, Path video, Path speech, MediaInfo info, double[][] segments,
                        double ffmpegSeconds) throws Exception {
        Path models = Files.createDirectories(work.resolve("models"));
        Path file = lipSyncModel;
        if (file == null) {
            file = models.resolve("contract-test-lipsync.onnx");
            OnnxGraph.testLipSyncModel(file, -1);
        }
        Files.writeString(models.resolve("bench-lipsync.model.properties"), String.join("\n",
                "id=bench-lipsync", "name=Bench lip-sync", "version=1", "task=" + LipSyncModels.TASK,
                "runtime=onnxruntime", "file=" + file.toAbsolutePath(), "maxModelBatch=16", ""));
        ModelRegistry builtins = new ModelRegistry(null);
        double fps = info.fps();
        double best = Double.MAX_VALUE;
        int[] faced = new int[segments.length];
        int[] segmentFrames = new int[segments.length];
        double applyBest = Double.MAX_VALUE;
        try (Detector faces = new DetectorFactory(builtins, ComputeDevice.cpuOnly().kernels())
                .load(builtins.find(LipSyncModels.FACE_MODEL).orElseThrow());
             LipSync model = new LipSyncModels(new ModelRegistry(models), () -> faces).open()
                     .orElseThrow(() -> new IllegalStateException("the bench's lip-sync model did not register"))) {
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                AudioPcm base = dubbed(video, speech, info, segments);
                AudioPcm pcm16k = AudioPcm.decode(speech, 16_000, 1);
                Map<Long, Mat> swapped = new HashMap<>();
                List<DecodedFrame> all = new ArrayList<>();
                double apply = 0;
                try {
                    for (int k = 0; k < segments.length; k++) {
                        double[] s = segments[k];
                        List<DecodedFrame> own = new MediaDecoder().decodeToList(video,
                                FrameSampling.range(Math.round(s[0] * fps), Math.round(s[1] * fps)));
                        all.addAll(own);
                        List<Mat> images = own.stream().map(DecodedFrame::image).toList();
                        List<Mat> before = r == 0 ? images.stream().map(Mat::clone).toList() : List.of();
                        long a0 = System.nanoTime();
                        model.apply(images, fps, mono(pcm16k, s), List.of());
                        apply += (System.nanoTime() - a0) / 1e9;
                        for (int i = 0; i < before.size(); i++) {
                            segmentFrames[k]++;
                            try (Mat diff = new Mat()) {
                                absdiff(before.get(i), images.get(i), diff);
                                if (countNonZero(diff.reshape(1, 0)) > 0) {
                                    faced[k]++;
                                }
                            }
                            before.get(i).close();
                        }
                        own.forEach(f -> swapped.put(f.index(), f.image()));
                    }
                    long[] index = {0};
                    new MediaEncoder().transcode(video, work.resolve("lipsync.mp4"), VideoEncodeSettings.mp4(),
                            m -> swapped.getOrDefault(index[0]++, m), base);
                } finally {
                    all.forEach(f -> f.image().close());
                }
                double took = (System.nanoTime() - t0) / 1e9;
                if (took < best) {
                    best = took;
                    applyBest = apply;
                }
            }
        }
        double out = info.durationSeconds();
        System.out.printf(Locale.ROOT, "pro-sync dubbing + lip-sync, %s, %d s 640x360, 3 segments (best of %d)%n",
                lipSyncModel == null ? "contract test model (not a real lip-sync model)" : lipSyncModel.getFileName(),
                seconds, runs);
        List<String> perSegment = new ArrayList<>();
        for (int k = 0; k < segments.length; k++) {
            perSegment.add(faced[k] + "/" + segmentFrames[k]);
        }
        System.out.println("  frames with a regenerated mouth, per segment: " + String.join(", ", perSegment));
        System.out.printf(Locale.ROOT, "  framegrid: %.3f s per output second%n", best / out);
        System.out.printf(Locale.ROOT, "  of which lip-sync (face track, mel, ONNX, paste): %.3f s per output second%n",
                applyBest / out);
        System.out.printf(Locale.ROOT, "  ratio framegrid / ffmpeg: %.2fx (same ffmpeg baseline as above)%n",
                best / ffmpegSeconds);
        System.out.println("  load: " + Files.readString(Path.of("/proc/loadavg")).trim());
        return 0;
    }

    /** The segment's crop of the 16 kHz mono speech, in [−1, 1], as the render task hands it to the model. */
    private static float[] mono(AudioPcm pcm, double[] s) {
        short[] cut = pcm.slice(Math.round(s[2] * 16_000), Math.round((s[1] - s[0]) * 16_000));
        float[] out = new float[cut.length];
        for (int i = 0; i < cut.length; i++) {
            out[i] = cut[i] / 32768f;
        }
        return out;
    }
}
