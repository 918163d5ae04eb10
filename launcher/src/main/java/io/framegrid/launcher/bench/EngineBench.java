package io.framegrid.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code framegrid bench engine}: the gpu-node vision engine benchmark (decode, detection, batching, kernels). */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Vision engine: decode vs ffmpeg, YOLOX vs bare ONNX Runtime, batching, kernels vs OpenCV")
public final class EngineBench implements Callable<Integer> {
    @Option(names = "--shared", description = "Folder with media/ and models/ (default: FRAMEGRID_SHARED or ../shared)")
    String shared;
    @Option(names = "--frames", defaultValue = "60", description = "vtest.avi frames for detection") int frames;
    @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients in the batching test") int clients;
    @Option(names = "--requests", defaultValue = "8", description = "Requests per client") int requests;
    @Option(names = "--cuda", description = "Try the CUDA kernels") boolean cuda;

    @Override
    public Integer call() {
        // EngineBenchmark owns option parsing and the report; this only maps picocli options onto it.
        List<String> args = new ArrayList<>(List.of("--frames", String.valueOf(frames), "--clients",
                String.valueOf(clients), "--requests", String.valueOf(requests)));
        if (shared != null) {
            args.addAll(List.of("--shared", shared));
        }
        if (cuda) {
            args.add("--cuda");
        }
        return EngineBenchmark.run(args.toArray(String[]::new));
    }
}
