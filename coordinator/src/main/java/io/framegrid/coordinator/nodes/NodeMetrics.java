package io.framegrid.coordinator.nodes;

import io.framegrid.proto.cluster.v1.NodeStatus;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * The compute capacity of the cluster as this coordinator's node directory sees it, by capability (GPU or not).
 * Every coordinator sees every live node, so dashboards take the {@code max} over coordinators, not the sum.
 */
public final class NodeMetrics {
    private NodeMetrics() {}

    public static void register(PrometheusRegistry registry, NodeDirectory directory) {
        GaugeWithCallback.builder()
                .name("framegrid_cluster_nodes")
                .help("Live gpu-nodes (reporting heartbeats), by whether they have a GPU")
                .labelNames("gpu")
                .callback(cb -> byGpu(directory::liveNodes, cb, n -> 1))
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_cluster_task_slots")
                .help("Concurrent task slots of the live gpu-nodes, by whether they have a GPU")
                .labelNames("gpu")
                .callback(cb -> byGpu(directory::liveNodes, cb, NodeStatus::getSlots))
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_cluster_running_tasks")
                .help("Tasks the live gpu-nodes reported running at their last heartbeat, by whether they have a GPU")
                .labelNames("gpu")
                .callback(cb -> byGpu(directory::liveNodes, cb, NodeStatus::getRunningTasks))
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_cluster_model_nodes")
                .help("Live gpu-nodes serving each active model through their inference service")
                .labelNames("model")
                .callback(cb -> {
                    java.util.Map<String, Integer> byModel = new java.util.TreeMap<>();
                    try {
                        directory.liveNodes().forEach(n -> n.getInferenceModelsList()
                                .forEach(m -> byModel.merge(m, 1, Integer::sum)));
                    } catch (RuntimeException e) {
                        return;
                    }
                    byModel.forEach((model, count) -> cb.call(count, model));
                })
                .register(registry);
    }

    private static void byGpu(java.util.function.Supplier<List<NodeStatus>> live, GaugeWithCallback.Callback cb,
            java.util.function.ToIntFunction<NodeStatus> value) {
        List<NodeStatus> nodes;
        try {
            nodes = live.get();
        } catch (RuntimeException e) {
            return; // the grid is stopping: no sample rather than a failed scrape
        }
        long gpu = 0;
        long cpu = 0;
        for (NodeStatus n : nodes) {
            if (n.getGpu()) {
                gpu += value.applyAsInt(n);
            } else {
                cpu += value.applyAsInt(n);
            }
        }
        cb.call(gpu, "true");
        cb.call(cpu, "false");
    }
}
