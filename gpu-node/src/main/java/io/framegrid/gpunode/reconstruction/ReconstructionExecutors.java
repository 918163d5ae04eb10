package io.framegrid.gpunode.reconstruction;

import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskExecutor;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Product D's gpu-node plug-in. Probing and frame extraction run on every node; the four COLMAP stages are registered
 * only where {@code colmap} runs (found on the PATH at start-up), so COLMAP is this node's capability: nodes without
 * it never lease those tasks. Dense stereo additionally needs a COLMAP built with CUDA.
 */
public final class ReconstructionExecutors implements NodeProduct {
    private static final Logger log = LoggerFactory.getLogger(ReconstructionExecutors.class);
    /** Keyframes: a new one once tracked features moved 8 % of the frame width, at most 30 candidates held. */
    static final double MIN_PARALLAX = 0.08;
    static final int MAX_WINDOW = 30;

    @Override
    public String name() {
        return ReconstructionContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        StageFiles files = new StageFiles(context.media());
        // A plain decoder: each video is read once per job, nothing worth the frame cache.
        VideoFrames frames = new VideoFrames(files, new MediaDecoder(),
                new KeyframeSelector(context.device().kernels(), MIN_PARALLAX, MAX_WINDOW));
        executors.register(ReconstructionContract.PROBE, plain(frames::probe));
        executors.register(ReconstructionContract.EXTRACT, plain(frames::extract));
        String colmap = ColmapRunner.locate(System.getenv("FRAMEGRID_COLMAP"));
        if (colmap == null) {
            log.info("COLMAP not found: this node runs no reconstruction stages");
            return;
        }
        boolean cuda = context.device().cudaAvailable() && ColmapRunner.hasCuda(colmap);
        log.info("COLMAP found ({}), CUDA {}", colmap, cuda ? "on" : "off");
        ColmapStages stages = new ColmapStages(new ColmapRunner(colmap), files, cuda);
        executors.register(ReconstructionContract.FEATURES, plain(stages::features));
        executors.register(ReconstructionContract.MATCH, plain(stages::match));
        executors.register(ReconstructionContract.MAP, plain(stages::map));
        executors.register(ReconstructionContract.MESH, plain(stages::mesh));
    }

    /** Words unexpected failures for the user (retried: a store or disk hiccup may pass); cancellations pass. */
    static TaskExecutor plain(TaskExecutor executor) {
        return ctx -> {
            try {
                return executor.execute(ctx);
            } catch (TaskFailure | CancellationException | InterruptedException e) {
                throw e;
            } catch (java.io.IOException | RuntimeException e) {
                if (ctx.isCancelled()) {
                    throw new CancellationException("cancelled");
                }
                throw TaskFailure.retryable("The reconstruction step failed on a node; it is retried", e);
            }
        };
    }
}
