package io.framegrid.gpunode.reframer;

import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.TaskExecutors;

/** Product C's gpu-node plug-in: the {@link ReframerTasks} executors, over the node's media library and engine. */
public final class ReframerExecutors implements NodeProduct {
    @Override
    public String name() {
        return ReframerContract.PRODUCT;
    }

    @Override
    public void register(TaskExecutors executors, Context context) {
        ReframerTasks.register(executors, context.media(), context.inference(), context.device().kernels(),
                context.decoder());
    }
}
