package io.framegrid.gpunode.detection;

import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.proto.detection.DetectionContract;

/** Product E's gpu-node plug-in: the {@link DetectionTasks} executor over the node's media library and engine. */
public final class DetectionExecutors implements NodeProduct {
    @Override
    public String name() {
        return DetectionContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        DetectionTasks tasks = new DetectionTasks(context.media(), context.inference(),
                context.device().cudaAvailable());
        executors.register(DetectionContract.DETECT, DetectionTasks.plainFailures(tasks::detect));
        executors.register(DetectionContract.SETTINGS, tasks::settings);
    }
}
