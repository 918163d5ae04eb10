package io.framegrid.launcher.bench;

import picocli.CommandLine.Command;

/** {@code framegrid bench ...}: measurements of a private standalone cluster on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks of a private standalone cluster",
        subcommands = {JobsBench.class, EngineBench.class, ReframerBench.class, MaskBench.class,
                GhostCutBench.class, ProSyncBench.class, DetectionBench.class, AnnotationBench.class, ReconstructionBench.class,
                IngestBench.class})
public final class BenchCommand {
}
