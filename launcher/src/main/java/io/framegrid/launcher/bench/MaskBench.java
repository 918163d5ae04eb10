package io.framegrid.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code framegrid bench masks}: GrabCut vs the person-segmentation model, IoU against a background reference. */
@Command(name = "masks", mixinStandardHelpOptions = true,
        description = "Segmentation masks: GrabCut vs person model on vtest.avi, IoU vs a median-background "
                + "reference, by box height, with time per mask")
public final class MaskBench implements Callable<Integer> {
    @Option(names = "--shared", description = "Folder with media/ and models/ (default: FRAMEGRID_SHARED or ../shared)")
    String shared;
    @Option(names = "--frames", defaultValue = "160", description = "vtest.avi frames scored, spread over the video")
    int frames;
    @Option(names = "--background-every", defaultValue = "8", description = "Median background over every Nth frame")
    int backgroundEvery;
    @Option(names = "--upscaled-frames", defaultValue = "40",
            description = "Of those frames, how many are also scored upscaled 2x and 3x (larger persons); 0 = none")
    int upscaledFrames;

    @Override
    public Integer call() {
        // MaskBenchmark owns option parsing and the report; this only maps picocli options onto it.
        List<String> args = new ArrayList<>(List.of("--frames", String.valueOf(frames), "--background-every",
                String.valueOf(backgroundEvery), "--upscaled-frames", String.valueOf(upscaledFrames)));
        if (shared != null) {
            args.addAll(List.of("--shared", shared));
        }
        return MaskBenchmark.run(args.toArray(String[]::new));
    }
}
