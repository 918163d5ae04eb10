package io.framegrid.gpunode.detection;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.proto.detection.DetectionContract;
import org.apache.ignite.IgniteCache;

/**
 * Product E's gpu-node plug-in: the {@link DetectionTasks} executor over the node's media library and engine, filing
 * each completed detection in {@code fg_detection_history}.
 */
public final class DetectionExecutors implements NodeProduct {
    private AddedModels added;

    @Override
    public String name() {
        return DetectionContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        IgniteCache<String, byte[]> history = context.ignite().cache(CacheNames.DETECTION_HISTORY);
        DetectionTasks tasks = new DetectionTasks(context.media(), context.inference(),
                context.device().cudaAvailable(), r -> history.put(r.getDetectionId(), r.toByteArray()));
        executors.register(DetectionContract.DETECT, DetectionTasks.plainFailures(tasks::detect));
        try {
            added = new AddedModels(context.media(), context.inference().registry(),
                    java.nio.file.Files.createTempDirectory("framegrid-added-models-"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the folder for added models", e);
        }
        added.start(context.ignite());
    }

    @Override
    public void close() {
        if (added != null) {
            added.close();
        }
    }
}
