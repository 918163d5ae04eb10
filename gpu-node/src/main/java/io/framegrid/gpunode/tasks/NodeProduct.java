package io.framegrid.gpunode.tasks;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.inference.InferenceEngine;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.media.MediaDecoder;
import org.apache.ignite.Ignite;

/**
 * A product's gpu-node side: executors for its task types. gpu-nodes find implementations with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/io.framegrid.gpunode.tasks.NodeProduct} file next to
 * the product's code), so adding a product edits no gpu-node class.
 */
public interface NodeProduct {
    /** The product's name, unique in the cluster; the same name as its coordinator plug-in's. */
    String name();

    /** Registers the product's executors with {@code executors}; called once per node, before it leases tasks. */
    void register(TaskExecutors executors, Context context);

    /**
     * Stops what {@link #register} started (watchers, threads, node-local files); called once when the node closes,
     * after its task worker and server, before the engine and the blob store it was given close.
     */
    default void close() {
    }

    /**
     * What executors may use, all owned by the node (a plug-in closes none of it): the grid, the configuration,
     * the vision engine, the compute device (CUDA kernels or their CPU twins), a decoder reading through the grid's
     * frame cache, and the media library over the node's one blob store.
     */
    record Context(Ignite ignite, FramegridConfig config, InferenceEngine inference, ComputeDevice device,
            MediaDecoder decoder, MediaLibrary media) {
    }
}
