package io.framegrid.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code framegrid bench ghostcut}: GhostCut text removal vs OpenCV Telea — quality, detection recall, speed. */
@Command(name = "ghostcut", mixinStandardHelpOptions = true,
        description = "GhostCut text removal: PSNR/SSIM inside masks vs Telea on real video with synthetic text, "
                + "counter-text.mp4 recall, frames/s at 640x360 and 1280x720 vs a Telea loop")
public final class GhostCutBench implements Callable<Integer> {
    @Option(names = "--shared", description = "Folder with media/ and models/ (default: FRAMEGRID_SHARED or ../shared)")
    String shared;
    @Option(names = "--frames", defaultValue = "60", description = "Frames per clip (20..120)") int frames;
    @Option(names = "--cuda", description = "Try the CUDA kernels") boolean cuda;

    @Override
    public Integer call() {
        // GhostCutBenchmark owns option parsing and the report; this only maps picocli options onto it.
        List<String> args = new ArrayList<>(List.of("--frames", String.valueOf(frames)));
        if (shared != null) {
            args.addAll(List.of("--shared", shared));
        }
        if (cuda) {
            args.add("--cuda");
        }
        return GhostCutBenchmark.run(args.toArray(String[]::new));
    }
}
